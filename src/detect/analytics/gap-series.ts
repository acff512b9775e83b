const BUSY_SHARE = 0.25;

/**
 * How regularly one stream of events (a host's, or a host's events of one type) shows up in time
 * buckets when its reference is active: the reference is whatever should make it show up (peers
 * sending the same type; the host's own process events for its network events).
 */
export class GapSeries {
  /** Events in the open bucket. */
  bucketCount = 0;
  total = 0;
  firstSeen = Infinity;
  lastSeen = -Infinity;
  /** Reference buckets learned, and how many of them had this stream: P(active | reference). */
  refBuckets = 0;
  refHits = 0;
  /** Own and reference events in those buckets: how many of ours to expect per reference event. */
  refOwnEvents = 0;
  refRefEvents = 0;
  /** Reference buckets since this stream was last active, and the reference's events in them. */
  missRun = 0;
  missRefEvents = 0;
  /** Peers active in the last missed bucket (for the reason). */
  missPeers = 0;
  activeBuckets = 0;
  activeEvents = 0;
  /** A gap was reported and the stream has not come back yet. */
  open = false;

  count(time: number): void {
    this.bucketCount++;
    this.total++;
    if (time < this.firstSeen) this.firstSeen = time;
    if (time > this.lastSeen) this.lastSeen = time;
  }

  /** Closes the bucket. Returns true when the stream came back after a reported gap. */
  close(refActive: boolean, refEvents: number, peers = 0): boolean {
    const active = this.bucketCount > 0;
    let recovered = false;
    if (active) {
      if (this.open) {
        // The gap itself is not normal behaviour: keep it out of the baseline.
        this.open = false;
        recovered = true;
      } else {
        this.refBuckets += this.missRun;
        this.refRefEvents += this.missRefEvents;
        if (refActive) {
          this.refBuckets++;
          this.refHits++;
          this.refOwnEvents += this.bucketCount;
          this.refRefEvents += refEvents;
        }
      }
      this.missRun = 0;
      this.missRefEvents = 0;
      this.activeBuckets++;
      this.activeEvents += this.bucketCount;
    } else if (refActive) {
      this.missRun++;
      this.missRefEvents += refEvents;
      this.missPeers = peers;
    }
    this.bucketCount = 0;
    return recovered;
  }

  /** Chance of the current run of misses if the stream behaved as in its baseline. */
  missProbability(): number {
    const q = (this.refHits + 0.5) / (this.refBuckets + 1);
    return (1 - q) ** this.missRun;
  }

  /**
   * Sending at a quarter of its usual rate or more: what counts as a reference being active. A
   * sleeping workstation's lone scheduled task is a sign of life, not of a working sensor.
   */
  busy(): boolean {
    return this.bucketCount > 0 && this.bucketCount >= BUSY_SHARE * this.perBucket();
  }

  /** Events of ours that the reference's events during the current misses should have brought. */
  expectedMissing(): number {
    return this.refRefEvents === 0 ? 0 : (this.missRefEvents * this.refOwnEvents) / this.refRefEvents;
  }

  /** Mean events per bucket when active. */
  perBucket(): number {
    return this.activeBuckets === 0 ? 0 : this.activeEvents / this.activeBuckets;
  }
}
