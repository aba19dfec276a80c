import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

describe("MonitoredUsers", () => {
  it("counts members, and a late report of an older state does not undo a newer one", async () => {
    const directory = env.MONITORED_USERS.getByName("directory-test");
    await directory.setMonitored("500000000000000001", true, 10);
    await directory.setMonitored("500000000000000002", true, 10);
    // The user left at version 12; the join report from version 11 arrives after it.
    await directory.setMonitored("500000000000000002", false, 12);
    await directory.setMonitored("500000000000000002", true, 11);
    expect(await directory.count()).toBe(1);
    expect(await directory.list()).toEqual(["500000000000000001"]);
  });
});
