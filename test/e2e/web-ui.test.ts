/**
 * The Temporal Web UI the dev server serves beside the frontend (scripts/devserver/main.go, the
 * github.com/temporalio/ui-server/v2 module as `temporal server start-dev` embeds it), checked over
 * real HTTP. This file starts its own server with the UI on; the shared test server runs headless.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, startDevServer } from "../../scripts/dev-server.js";

describe("the dev server's Web UI", () => {
  let server: DevServer;
  beforeAll(async () => {
    server = await startDevServer({ ui: true });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("answers on its port with the UI and its API, pointed at this server", async () => {
    expect(server.uiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await fetch(new URL("namespaces/default/activities", server.uiUrl));
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    expect(await page.text()).toMatch(/_app\/immutable/);
    const settings = (await (await fetch(new URL("api/v1/settings", server.uiUrl))).json()) as { Version: string };
    expect(settings.Version).toBe("2.52.0");
    // The UI's API reaches this server's frontend: the namespace list comes from it.
    const namespaces = (await (await fetch(new URL("api/v1/namespaces", server.uiUrl))).json()) as {
      namespaces: Array<{ namespaceInfo: { name: string } }>;
    };
    expect(namespaces.namespaces.map((n) => n.namespaceInfo.name)).toContain("default");
  });
});
