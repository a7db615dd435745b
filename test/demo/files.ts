/**
 * Files on a new account: its primary image (entityimage, which every environment's accounts
 * have) up and down as thumbnail and full image, a note with an attachment, and, on the
 * emulator, a 10 MB file through the chunked protocol into its file column (a real environment
 * names its own file columns).
 */
import { randomBytes } from "node:crypto";
import { pngImage, pngSize } from "../emulator/files";
import { created, deleted, skipped, step, type Demo } from "./harness";

const kilobytes = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KB`;

export const files = async (demo: Demo): Promise<void> => {
  const { connection, suffix } = demo;
  const account = await step(
    "[CRM] Create Entity",
    "createEntity",
    { connection, entityType: "accounts", dynamicValues: { name: `Demo Files ${suffix}` } },
    (data) => `accounts(${data["@component.id"]})`,
  );
  created(demo, "accounts", account["@component.id"]);
  const onAccount = { connection, entityType: "accounts", entityId: account["@component.id"] };
  const image = pngImage(320, 240, 5);
  await step(
    "[CRM] Upload File",
    "uploadFile",
    { ...onAccount, columnName: "entityimage", fileContent: { data: image, contentType: "image/png" }, fileName: "logo.png" },
    (data) => `${data.fileName} (${kilobytes(data.fileSize)}) into entityimage in ${data.chunks} request`,
  );
  const describeImage = (data: any) => {
    const size = pngSize(data.file.data);
    return `${data.fileName}: ${data.file.contentType}, ${size ? `${size.width}x${size.height}` : `${data.fileSize} bytes`}`;
  };
  await step("[CRM] Download File", "downloadFile", { ...onAccount, columnName: "entityimage" }, describeImage);
  await step("[CRM] Download File", "downloadFile", { ...onAccount, columnName: "entityimage", fullSize: true }, describeImage);
  await step(
    "[CRM] Attach File as Note",
    "attachNote",
    { ...onAccount, fileContent: "Signed on page 3.", fileName: "signature.txt", subject: "Contract signed" },
    (data) => `note ${data.id} holding ${data.fileName} (${data.mimeType})`,
  );
  if (demo.emulator) {
    const contract = randomBytes(10 * 1024 * 1024);
    await step(
      "[CRM] Upload File",
      "uploadFile",
      {
        ...onAccount,
        columnName: "new_contract",
        fileContent: { data: contract, contentType: "application/pdf" },
        fileName: "contract.pdf",
      },
      (data) => `${data.fileName} (${kilobytes(data.fileSize)}) into new_contract in ${data.chunks} chunks`,
    );
    await step("[CRM] Download File", "downloadFile", { ...onAccount, columnName: "new_contract" }, (data) => {
      const exact = Buffer.compare(data.file.data, contract) === 0;
      return `${data.fileName} (${kilobytes(data.fileSize)}), ${exact ? "byte for byte the file uploaded" : "NOT the file uploaded"}`;
    });
  } else {
    skipped("[CRM] Upload File (chunked)", "file columns are the environment's own; the emulator has new_contract");
  }
  await step("[CRM] Delete File", "deleteFile", { ...onAccount, columnName: "entityimage" }, (data) => `${data.columnName} cleared`);
  await step(
    "[CRM] Delete Entity",
    "deleteEntity",
    { connection, entityType: "accounts", entityId: account["@component.id"] },
    (data) => `accounts(${data.id}) deleted`,
  );
  deleted(demo, "accounts", account["@component.id"]);
};
