import { fetchXml } from "./fetchXml";

export default { fetchXml };
