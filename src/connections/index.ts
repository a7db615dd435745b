import { clientCredentials } from "./clientCredentials";
import { oauth2 } from "./oauth2";

export { clientCredentials, oauth2 };
export default [oauth2, clientCredentials];
