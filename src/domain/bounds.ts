/** Capacity limits a policy target declares: never below min, above max, or moving more than maxStep at once. */
export interface CapacityBounds {
  min: number;
  max: number;
  maxStep: number;
}
