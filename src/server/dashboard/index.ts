// The dashboard at `/` on the admin address: a static page (page.html, embedded in the binary as
// text) that polls /status and /topology. Read-only by construction: both are GET-only views.
import page from "./page.html" with { type: "text" };

// bun-types types every .html import as a full-stack HTMLBundle; `type: "text"` makes it a string.
export const dashboardHtml = page as unknown as string;
