import type { ActionContext, Connection } from "@prismatic-io/spectral";
import { createDataverseClient, type DataverseClient } from "../client";
import { scopesWarning } from "../connections/scopes";

/** What every perform function has; data sources have no debug flag. */
type Context = Pick<ActionContext, "logger"> & { debug?: Pick<ActionContext["debug"], "enabled"> };

/**
 * The one way actions, triggers and data sources get a client. With Prismatic's global debug
 * on, each request is logged (method, URL, status, time; never a header, so never a token).
 * `secrets` are what the requests carry besides the connection's own (a webhook key), kept out of every answer.
 */
export const clientFor = (context: Context, connection: Connection, secrets: string[] = []): DataverseClient => {
  const client = createDataverseClient(connection, {
    secrets,
    log: context.debug?.enabled ? (line) => context.logger.debug(line) : undefined,
  });
  const warning = scopesWarning(connection);
  if (warning) context.logger.warn(warning);
  return client;
};
