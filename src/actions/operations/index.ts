import { executeAction } from "./executeAction";
import { executeFunction } from "./executeFunction";

export default { executeAction, executeFunction };
