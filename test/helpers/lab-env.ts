// Dummy values for every variable examples/demo-site.yaml references: enough to validate it
// without starting the lab. Keep in step with src/lab/demo-lab.ts (startDemoLab().env).

export const DEMO_SITE_ENV: Record<string, string> = {
  SITEREADY_LAB_HTTPS_PORT: '1',
  SITEREADY_LAB_TCP_PORT: '2',
  SITEREADY_LAB_CLOSED_PORT: '3',
  SITEREADY_LAB_DNS: '127.0.0.1:53',
  SITEREADY_LAB_CA: '/nonexistent/lab-ca.pem',
  SITEREADY_LAB_PROBE_PORT: '7000',
  SITEREADY_LAB_TOKEN: 'dummy-token-for-validate',
  SITEREADY_LAB_FIREWALL_PORT: '4',
  SITEREADY_LAB_PROXY_PORT: '5',
  SITEREADY_LAB_PROXY_PASSWORD: 'dummy-proxy-password',
  SITEREADY_LAB_TURN_PORT: '6',
  SITEREADY_LAB_TURN_PASSWORD: 'dummy-turn-password',
  SITEREADY_LAB_LEGACY_TLS_PORT: '8',
};
