// Runbook text the CLI tests share: the OCP connection that reads its address and credentials from the
// environment (OCP_URL, OCP_USER, OCP_PASSWORD), as a real runbook would.

export const OCP_ENV_CONNECTION = `connections:
  ocp:
    type: ocp
    url: \${{ env.OCP_URL }}
    auth: { type: basic, username: "\${{ env.OCP_USER }}", password: "\${{ env.OCP_PASSWORD }}" }`;
