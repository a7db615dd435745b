import { batchEntityActions } from "./batchEntityActions";

export default { batchEntityActions };
