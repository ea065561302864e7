// One row of `system df`'s table (df.ts; dfSnapshots.ts makes the snapshots' row).

export interface DfRow {
  type: string
  total: number
  active: number
  size: number
  reclaimable: number
}
