// A benign weather server (stdio), shaped like the MCP quickstart's: a forecast by coordinates
// and active alerts by US state. The data is synthetic and deterministic so the demo runs
// offline; what Driftwatch watches is the tool surface, which never changes here.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { serveStdio } from './stdio.js';

const CONDITIONS = ['Sunny', 'Partly cloudy', 'Overcast', 'Light rain', 'Thunderstorms', 'Fog'] as const;
const DAYS = ['Today', 'Tonight', 'Tomorrow', 'Tomorrow night', 'Day after'] as const;

/** A small deterministic hash so the same place always gets the same weather. */
function seed(...parts: Array<string | number>): number {
  let h = 2166136261;
  for (const ch of parts.join('|')) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return h;
}

const server = new McpServer(
  { name: 'demo-weather', title: 'Demo Weather', version: '1.4.0' },
  { instructions: 'Weather forecasts and alerts. Forecasts take latitude/longitude; alerts take a two-letter US state code.' },
);

server.registerTool(
  'get_forecast',
  {
    title: 'Get forecast',
    description: 'Get the weather forecast for a location.',
    inputSchema: {
      latitude: z.number().min(-90).max(90).describe('Latitude of the location'),
      longitude: z.number().min(-180).max(180).describe('Longitude of the location'),
    },
    annotations: { readOnlyHint: true, openWorldHint: true },
  },
  async ({ latitude, longitude }) => {
    const periods = DAYS.map((name, i) => {
      const h = seed(latitude.toFixed(2), longitude.toFixed(2), i);
      const temp = Math.round(28 - Math.abs(latitude) / 3 + (h % 7) - 3 - (i % 2) * 7);
      const condition = CONDITIONS[h % CONDITIONS.length] ?? 'Sunny';
      return `${name}: ${temp}°C, ${condition}, wind ${5 + (h % 30)} km/h`;
    });
    return { content: [{ type: 'text', text: `Forecast for ${latitude.toFixed(2)}, ${longitude.toFixed(2)}:\n${periods.join('\n')}` }] };
  },
);

server.registerTool(
  'get_alerts',
  {
    title: 'Get weather alerts',
    description: 'Get active weather alerts for a US state.',
    inputSchema: {
      state: z
        .string()
        .regex(/^[A-Za-z]{2}$/)
        .describe('Two-letter US state code (e.g. CA, NY)'),
    },
    annotations: { readOnlyHint: true, openWorldHint: true },
  },
  async ({ state }) => {
    const code = state.toUpperCase();
    const h = seed(code, new Date().toISOString().slice(0, 10));
    const text = h % 3 === 0 ? `No active alerts for ${code}.` : `1 active alert for ${code}: ${h % 2 ? 'Heat Advisory' : 'Flood Watch'} until 20:00 local time.`;
    return { content: [{ type: 'text', text }] };
  },
);

await serveStdio(server);
