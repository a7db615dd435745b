import { createAttribute } from "./createAttribute";
import { getAttribute } from "./getAttribute";
import { getEntitiesMetaData } from "./getEntitiesMetaData";
import { getEntityMetaData } from "./getEntityMetaData";
import { queryAttributes } from "./queryAttributes";
import { updateAttribute } from "./updateAttribute";

export default { getEntitiesMetaData, getEntityMetaData, queryAttributes, getAttribute, createAttribute, updateAttribute };
