import { associateEntities } from "./associateEntities";
import { disassociateEntities } from "./disassociateEntities";
import { listAssociatedEntities } from "./listAssociatedEntities";

export default { associateEntities, disassociateEntities, listAssociatedEntities };
