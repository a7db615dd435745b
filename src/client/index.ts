export * from "./errors";
export * from "./fetchXml";
export * from "./http";
export * from "./names";
export * from "./query";
export * from "./records";
export * from "./retry";
export * from "./url";
