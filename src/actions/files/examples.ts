/** What the file actions' example payloads share. */
import { EXAMPLE_ACCOUNT_ID } from "../examples";

export const EXAMPLE_FILE = {
  entityType: "accounts",
  id: EXAMPLE_ACCOUNT_ID,
  columnName: "new_contract",
};

export const EXAMPLE_FILE_NAME = "contract.pdf";
