import { createAttribute } from "./createAttribute";
import { getAttribute } from "./getAttribute";
import { getEntitiesMetaData } from "./getEntitiesMetaData";
import { getEntityMetaData } from "./getEntityMetaData";
import { listAttributesAction } from "./listAttributesAction";
import { listEntities } from "./listEntities";
import { listEntitiesAction } from "./listEntitiesAction";
import { queryAttributes } from "./queryAttributes";
import { updateAttribute } from "./updateAttribute";

export default {
  getEntitiesMetaData,
  getEntityMetaData,
  queryAttributes,
  getAttribute,
  createAttribute,
  updateAttribute,
  listEntities,
  listEntitiesAction,
  listAttributesAction,
};
