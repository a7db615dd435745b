import { attachNote } from "./attachNote";
import { deleteFile } from "./deleteFile";
import { downloadFile } from "./downloadFile";
import { uploadFile } from "./uploadFile";

export default { uploadFile, downloadFile, deleteFile, attachNote };
