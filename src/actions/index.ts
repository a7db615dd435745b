import batch from "./batch";
import bulk from "./bulk";
import entities from "./entities";
import fetchXml from "./fetchXml";
import files from "./files";
import metadata from "./metadata";
import operations from "./operations";
import raw from "./raw";
import relationships from "./relationships";
import users from "./users";

export default { ...entities, ...batch, ...bulk, ...fetchXml, ...raw, ...metadata, ...users, ...relationships, ...operations, ...files };
