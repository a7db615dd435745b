import { attributes } from "./attributes";
import { entities } from "./entities";
import { entityTypes } from "./entityTypes";
import { getEntitiesMetaData } from "./getEntitiesMetaData";

export default { entityTypes, entities, attributes, getEntitiesMetaData };
