import { createEntity } from "./createEntity";
import { deleteEntity } from "./deleteEntity";
import { getEntity } from "./getEntity";
import { queryEntities } from "./queryEntities";
import { queryEntitiesByUrl } from "./queryEntitiesByUrl";
import { updateEntity } from "./updateEntity";
import { upsertEntity } from "./upsertEntity";

export default { createEntity, getEntity, updateEntity, upsertEntity, deleteEntity, queryEntities, queryEntitiesByUrl };
