/**
 * Complaint analysis: complaints by category over a range, the categories that grew against the
 * previous period of the same length, and the incidents of the same time; as CSV.
 */
export { categoryRows, GROWTH_MIN_COUNT, GROWTH_MIN_RATIO, DAILY_UP_TO_MS, grew, overlaps, type CategoryRow } from './analysis';
export { buildComplaintAnalysis, COMPLAINT_RANGE_LABELS, COMPLAINT_RANGES, INCIDENT_LOOKBACK_MS, MAX_INCIDENTS, type ComplaintAnalysis, type ComplaintRange, type GrownCategory, type ShownIncident } from './load';
export { complaintCsv } from './csv';
export { complaintRequest, runComplaints, type ComplaintRequest } from './request';
