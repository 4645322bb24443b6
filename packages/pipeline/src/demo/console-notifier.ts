import { defineNotifier, type IncidentEvent } from '@aiops/core';

/** Prints one line per incident event to the given stream (standard output by default). */
export const consoleNotifier = (write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)) =>
  defineNotifier({
    name: 'demo-console',
    async notify(event: IncidentEvent) {
      const { incident } = event;
      const when = new Date(incident.lastFindingAt).toISOString();
      write(
        `[${event.type}] ${incident.title} (severity ${incident.severity}, ${incident.counts.findings} findings, last at ${when})`,
      );
    },
  });
