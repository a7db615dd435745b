import { rawRequest } from "./rawRequest";
import { rawRequestV2 } from "./rawRequestV2";

export default { rawRequest, rawRequestV2 };
