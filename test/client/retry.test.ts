import { AxiosError, type InternalAxiosRequestConfig } from "axios";
import { isOutcomeUnknown } from "../../src/client/wire/retry";

const post = { method: "post", headers: {} } as unknown as InternalAxiosRequestConfig;

describe("whether a failed write may have happened", () => {
  it("is known not to have happened when axios failed before sending anything", () => {
    expect(isOutcomeUnknown(new AxiosError('Invalid character in header content ["X-Note"]', "ERR_INVALID_CHAR", post))).toBe(false);
    expect(isOutcomeUnknown(new AxiosError("Data after transformation must be a string", AxiosError.ERR_BAD_REQUEST, post))).toBe(false);
  });

  it("is unknown when the connection failed after the request went out", () => {
    expect(isOutcomeUnknown(new AxiosError("socket hang up", "ECONNRESET", post, {}))).toBe(true);
    expect(isOutcomeUnknown(new AxiosError("timeout of 1000ms exceeded", "ECONNABORTED", post, {}))).toBe(true);
  });

  it("is known not to have happened when the connection was refused", () => {
    expect(isOutcomeUnknown(new AxiosError("connect ECONNREFUSED", "ECONNREFUSED", post, {}))).toBe(false);
  });
});
