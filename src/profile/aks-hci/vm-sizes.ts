/** Get-AksHciVmSize (spec §1.4): VM size → CPU, memory GB. */
const VM_SIZES: [string, number, number][] = [
  ['Standard_A2_v2', 2, 4],
  ['Standard_A4_v2', 4, 8],
  ['Standard_D2s_v3', 2, 8],
  ['Standard_D4s_v3', 4, 16],
  ['Standard_D8s_v3', 8, 32],
  ['Standard_D16s_v3', 16, 64],
  ['Standard_D32s_v3', 32, 128],
  ['Standard_DS2_v2', 2, 7],
  ['Standard_DS3_v2', 2, 14],
  ['Standard_DS4_v2', 8, 28],
  ['Standard_DS5_v2', 16, 56],
  ['Standard_DS13_v2', 8, 56],
  ['Standard_K8S_v1', 4, 2],
  ['Standard_K8S2_v1', 2, 2],
  ['Standard_K8S3_v1', 4, 6],
  ['Standard_NK6', 6, 12],
  ['Standard_NK12', 12, 24],
];

/** The AKS-HCI VM size whose CPU and memory match a node's capacity (kubelets report a little less memory). */
export function inferVmSize(cpu: number | undefined, memoryBytes: number | undefined): string | undefined {
  if (cpu === undefined || memoryBytes === undefined) return undefined;
  const gi = memoryBytes / 2 ** 30;
  const hits = VM_SIZES.filter(([, c, m]) => c === cpu && gi <= m * 1.02 && gi >= m * 0.8);
  return hits.length === 1 ? hits[0]![0] : undefined;
}
