import { getCurrentUser } from "./getCurrentUser";

export default { getCurrentUser };
