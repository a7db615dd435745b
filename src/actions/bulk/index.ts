import { createMultiple } from "./createMultiple";
import { updateMultiple } from "./updateMultiple";
import { upsertMultiple } from "./upsertMultiple";

export default { createMultiple, updateMultiple, upsertMultiple };
