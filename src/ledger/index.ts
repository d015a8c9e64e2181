/**
 * The job ledger (docs/ledger.md): per-day bookkeeping of which job (stage, session, channel) is reserved,
 * done or failed, by which host, process and Slurm job; NFS-safe across hosts, no database, no flock.
 */
export { openLedger, Ledger, type LedgerOptions, type LedgerEntry, type ListFilter, type ReserveOptions, type ReserveResult } from "./ledger.js";
export { Reservation, type DoneInfo, type FailInfo } from "./reservation.js";
export { kJobStages, checkJobKey, keyText, keyFileName, sameKey, type JobKey, type JobStage } from "./key.js";
export { jobError, jobErrorFrom, clipTail, parseRecord, kTailBytes, type JobError, type JobRecord, type JobState } from "./record.js";
export { paramsHash } from "./params.js";
export { ledgerDir } from "./store.js";
