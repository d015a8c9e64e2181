/** `rplpipe info FILE|DIR [--json]`: what a recording holds, readable or as JSON. */
import { summarizeRecordings, type NevSummary, type NsxSummary, type RecordingSummary } from "../../io/summary.js";
import type { Command } from "../command.js";
import { UsageError } from "../usage-error.js";

const fmt = new Intl.NumberFormat("en-US");

function seconds(s: number): string {
  return `${s.toFixed(3)} s`;
}

function idRanges(ids: number[]): string {
  const out: string[] = [];
  let i = 0;
  while (i < ids.length) {
    let j = i;
    while (j + 1 < ids.length && ids[j + 1] === ids[j]! + 1) j++;
    out.push(j > i ? `${ids[i]}–${ids[j]}` : String(ids[i]));
    i = j + 1;
  }
  return out.join(", ");
}

function nsxText(s: NsxSummary): string[] {
  const lines = [
    `${s.path}: NSx ${s.version} (${s.fileId}${s.ptp ? ", PTP timestamps" : ""}), "${s.label}"`,
    `  sampling rate ${s.samplingRate} Hz (period ${s.period}), timestamps at ${fmt.format(s.timestampResolution)} Hz, ` +
      `started ${s.timeOrigin ?? "unknown"}`,
    `  ${s.channels.length} channels, ${fmt.format(s.totalSamples)} samples per channel (${seconds(s.totalSeconds)}), ` +
      `${fmt.format(s.fileSize)} bytes`,
    `  segments: ${s.segments.length}`,
  ];
  const shown = s.segments.slice(0, 20);
  for (const g of shown)
    lines.push(`    #${g.index}  t_start ${g.tStart.toFixed(6)} s  ${fmt.format(g.samples)} samples  ${seconds(g.seconds)}`);
  if (s.segments.length > shown.length) lines.push(`    … ${s.segments.length - shown.length} more (see --json)`);
  lines.push("  arrays (connector → PyHipp directory: electrode ids):");
  for (const a of s.arrays) lines.push(`    connector ${a.connector} → ${a.array}: ${idRanges(a.electrodeIds)}`);
  lines.push("  channels:");
  lines.push("    index  id    label             conn pin  units  gain        high-pass           low-pass");
  for (const c of s.channels) {
    const f = (x: { cornerHz: number; order: number; type: string }): string =>
      x.type === "none" ? "none" : `${x.cornerHz} Hz o${x.order} ${x.type}`;
    lines.push(
      `    ${String(c.index).padStart(5)}  ${String(c.electrodeId).padEnd(5)} ${JSON.stringify(c.label).padEnd(17)} ` +
        `${String(c.connector).padStart(4)} ${String(c.pin).padStart(3)}  ${c.units.padEnd(5)}  ` +
        `${c.gain.toPrecision(6).padEnd(10)}  ${f(c.highPass).padEnd(18)}  ${f(c.lowPass)}`,
    );
  }
  return lines;
}

function nevText(s: NevSummary): string[] {
  const reasons = Object.entries(s.digital.byReason)
    .map(([r, n]) => `reason ${r}: ${fmt.format(n)}`)
    .join(", ");
  const e = s.extendedHeaders;
  return [
    `${s.path}: NEV ${s.version} (${s.fileId}), application "${s.application}", started ${s.timeOrigin ?? "unknown"}`,
    `  ${fmt.format(s.packetCount)} packets of ${s.packetBytes} bytes at ${fmt.format(s.timestampResolution)} Hz` +
      (s.trailingBytes ? `, ${s.trailingBytes} trailing bytes ignored` : ""),
    `  extended headers: ${e.waveform} NEUEVWAV, ${e.label} NEUEVLBL, ${e.filter} NEUEVFLT, ${e.digitalLabel} DIGLABEL, ${e.other} other` +
      (s.digitalLabels.length ? ` (${s.digitalLabels.map((d) => `"${d.label}" ${d.mode}`).join(", ")})` : ""),
    `  digital events: ${fmt.format(s.digital.total)}${reasons ? ` (${reasons})` : ""}`,
    `    parallel-port markers: ${fmt.format(s.digital.parallelPortNeo)} as neo reads them, ` +
      `${fmt.format(s.digital.parallelPortAll)} with the port bit set; ${s.digital.distinctValues} distinct values` +
      (s.digital.firstSeconds !== null ? `, ${seconds(s.digital.firstSeconds)} to ${seconds(s.digital.lastSeconds!)}` : ""),
    `  spikes: ${fmt.format(s.spikes.total)} on ${s.spikes.electrodes} electrodes; comments: ${s.comments}; other packets: ${s.otherPackets}`,
  ];
}

function text(s: RecordingSummary): string[] {
  if (s.kind === "nsx") return nsxText(s);
  if (s.kind === "nev") return nevText(s);
  return [`${s.path}: cannot read [${s.code}]: ${s.message}`];
}

export const infoCommand: Command = {
  name: "info",
  summary: "summarise a recording file (.nsX, .nev) or every recording in a directory",
  usage: [
    "Usage: rplpipe info FILE|DIR [--json]",
    "",
    "Prints the file version, channels, sampling rates, segments with durations, labels, the connector →",
    "PyHipp array mapping and digital event counts. A directory: every .nsX/.nev file directly inside it.",
    "",
    "Options:",
    "  --json    print the same as JSON",
  ].join("\n"),
  options: { json: { type: "boolean" } },
  async run({ positionals, values, stdout }) {
    if (positionals.length !== 1) throw new UsageError(`expected one FILE or DIR, got ${positionals.length}`);
    const summaries = summarizeRecordings(positionals[0]!);
    if (values.json) stdout.write(JSON.stringify(summaries.length === 1 ? summaries[0] : summaries, null, 2) + "\n");
    else stdout.write(summaries.map((s) => text(s).join("\n")).join("\n\n") + "\n");
    return summaries.some((s) => s.kind === "error") ? 1 : 0;
  },
};
