import batch from "./batch";
import entities from "./entities";
import fetchXml from "./fetchXml";
import metadata from "./metadata";
import raw from "./raw";
import users from "./users";

export default { ...entities, ...batch, ...fetchXml, ...raw, ...metadata, ...users };
