import type { ClusterProfile, ProfileNode } from '../schema.ts';
import { finding, listSome, sortFindings, type Finding } from './findings.ts';
import { describeSize, differentType, poolFindings, smaller } from './pools.ts';

/**
 * Pure comparison of two cluster profiles: `target` judged as the place to restore `source`'s
 * backups into. No I/O; the standby check adds what the backup's contents need (drift-backup.ts).
 */
export function diffProfiles(source: ClusterProfile, target: ClusterProfile): Finding[] {
  return sortFindings([
    ...versionFindings(source, target),
    ...controlPlaneFindings(source, target),
    ...poolFindings(source, target),
    ...networkFindings(source, target),
    ...admissionFindings(source, target),
    ...storageFindings(source, target),
  ]);
}

const MANAGED = new Set(['aks', 'eks', 'gke']);

function versionFindings(s: ClusterProfile, t: ClusterProfile): Finding[] {
  const out: Finding[] = [];
  const [sm, tm] = [s.kubernetes.minor, t.kubernetes.minor];
  if (sm !== undefined && tm !== undefined) {
    if (tm < sm)
      out.push(
        finding(
          'blocking',
          'K8S_VERSION_OLDER',
          `the target runs Kubernetes ${t.kubernetes.gitVersion}, older than the source's ${s.kubernetes.gitVersion}`,
          `create the standby with Kubernetes 1.${sm} or newer: objects written by 1.${sm} may use fields and API versions 1.${tm} does not know`,
        ),
      );
    else if (tm > sm)
      out.push(
        finding(
          'info',
          'K8S_VERSION_NEWER',
          `the target runs Kubernetes ${t.kubernetes.gitVersion}, ${tm - sm} minor version(s) newer than the source's ${s.kubernetes.gitVersion}`,
          'API versions removed in between are reported as API_NOT_SERVED by lifeboat standby check; none means the objects can be restored',
        ),
      );
  }
  return out;
}

function controlPlaneFindings(s: ClusterProfile, t: ClusterProfile): Finding[] {
  const out: Finding[] = [];
  const [sc, tc] = [s.controlPlane.nodeCount, t.controlPlane.nodeCount];
  if (sc > 0 && tc < sc) {
    const managed = tc === 0 && MANAGED.has(t.metadata.platform);
    out.push(
      finding(
        managed ? 'info' : 'warning',
        'CONTROL_PLANE_SMALLER',
        managed
          ? `the source had ${sc} control-plane node(s); the target's control plane is managed and not visible`
          : `the target has ${tc} control-plane node(s), the source had ${sc}`,
        managed
          ? 'nothing to do unless the source relied on control-plane capacity'
          : `add control-plane nodes to reach ${sc} (AKS-HCI: Set-AksHciCluster -name <cluster> -controlPlaneNodeCount ${sc})`,
      ),
    );
  }
  const sNode = smallest(s.controlPlane.nodes);
  const tNode = smallest(t.controlPlane.nodes);
  if (sNode && tNode && (smaller(tNode, sNode) || differentType(sNode.instanceType, tNode.instanceType)))
    out.push(
      finding(
        'warning',
        'CONTROL_PLANE_SIZE',
        `target control-plane nodes are ${describeSize(tNode)}, the source's were ${describeSize(sNode)}`,
        `use the source's size for the control plane${sNode.instanceType ? ` (${sNode.instanceType})` : ''}`,
      ),
    );
  return out;
}

function smallest(nodes: readonly ProfileNode[]): ProfileNode | undefined {
  return [...nodes].sort((a, b) => (a.capacity.memoryBytes ?? 0) - (b.capacity.memoryBytes ?? 0))[0];
}

function networkFindings(s: ClusterProfile, t: ClusterProfile): Finding[] {
  const out: Finding[] = [];
  const sCni = s.network.cni.map((c) => c.value);
  const tCni = t.network.cni.map((c) => c.value);
  if (sCni.length > 0 && tCni.length > 0 && !sCni.some((c) => tCni.includes(c)))
    out.push(
      finding(
        'warning',
        'CNI_DIFFERENT',
        `the target's CNI is ${tCni.join(', ')}, the source's was ${sCni.join(', ')}`,
        `restored NetworkPolicies and CNI-specific objects (e.g. ${sCni[0]} resources) may not work: use ${sCni[0]} on the standby`,
      ),
    );
  const sSvc = s.network.serviceCIDR?.value ?? s.network.kubernetesServiceIP;
  const tSvc = t.network.serviceCIDR?.value ?? t.network.kubernetesServiceIP;
  if (sSvc && tSvc && sSvc !== tSvc && s.network.kubernetesServiceIP !== t.network.kubernetesServiceIP)
    out.push(
      finding(
        'warning',
        'SERVICE_CIDR_DIFFERENT',
        `the target's service range is ${tSvc}, the source's was ${sSvc}`,
        'Service clusterIPs are reassigned on restore; fix anything that hard-codes a Service IP (DNS forwarders, firewall rules, headless endpoints)',
      ),
    );
  const [sDom, tDom] = [s.network.dnsDomain?.value, t.network.dnsDomain?.value];
  if (sDom && tDom && sDom !== tDom)
    out.push(
      finding(
        'warning',
        'DNS_DOMAIN_DIFFERENT',
        `the target's cluster DNS domain is ${tDom}, the source's was ${sDom}`,
        `names like svc.${sDom} in restored configuration will not resolve: create the standby with --service-dns-domain ${sDom} (kubeadm: networking.dnsDomain)`,
      ),
    );
  return out;
}

function admissionFindings(s: ClusterProfile, t: ClusterProfile): Finding[] {
  const key = (w: { type: string; configuration: string; name: string }) =>
    `${w.type}/${w.configuration}/${w.name}`;
  const known = new Set(s.kubernetes.webhooks.map(key));
  const extra = t.kubernetes.webhooks.filter((w) => !known.has(key(w)));
  if (extra.length === 0) return [];
  const failing = extra.filter((w) => (w.failurePolicy ?? 'Fail') === 'Fail');
  return [
    finding(
      'warning',
      'WEBHOOK_EXTRA',
      `the target has ${extra.length} admission webhook(s) the source did not: ${listSome(extra.map((w) => `${w.type} ${w.configuration}/${w.name}${(w.failurePolicy ?? 'Fail') === 'Fail' ? ' (failurePolicy Fail)' : ''}`))}`,
      failing.length > 0
        ? 'they see every restored object and can reject or change it: check they accept the workloads, or remove them during the restore'
        : 'they see every restored object and may change it: check their rules',
    ),
  ];
}

function storageFindings(s: ClusterProfile, t: ClusterProfile): Finding[] {
  const out: Finding[] = [];
  const tClasses = new Set(t.storage.storageClasses.map((c) => c.name));
  const missing = s.storage.storageClasses.filter((c) => !tClasses.has(c.name));
  if (missing.length > 0)
    out.push(
      finding(
        'warning',
        'STORAGE_CLASS_NOT_IN_TARGET',
        `StorageClasses of the source missing in the target: ${listSome(missing.map((c) => `${c.name} (${c.provisioner})`))}`,
        'create them, or map them at restore time with --storage-class-mappings old:new',
      ),
    );
  const sDefault = s.storage.storageClasses.find((c) => c.isDefault)?.name;
  const tDefault = t.storage.storageClasses.find((c) => c.isDefault)?.name;
  if (sDefault && !tDefault)
    out.push(
      finding(
        'warning',
        'NO_DEFAULT_STORAGE_CLASS',
        `the target has no default StorageClass; the source's was ${sDefault}`,
        `mark one default: kubectl annotate storageclass <name> storageclass.kubernetes.io/is-default-class=true`,
      ),
    );
  const tDrivers = new Set(t.storage.csiDrivers.map((d) => d.name));
  const missingDrivers = s.storage.csiDrivers.filter((d) => !tDrivers.has(d.name)).map((d) => d.name);
  if (missingDrivers.length > 0)
    out.push(
      finding(
        'warning',
        'CSI_DRIVER_NOT_IN_TARGET',
        `CSI drivers of the source missing in the target: ${missingDrivers.join(', ')}`,
        'install them on the standby (AKS-HCI: Install-AksHciCsiSmb / Install-AksHciCsiNfs -clusterName <cluster>)',
      ),
    );
  const tIngress = new Set(t.ingress.classes.map((c) => c.name));
  const missingIngress = s.ingress.classes.filter((c) => !tIngress.has(c.name));
  if (missingIngress.length > 0)
    out.push(
      finding(
        'warning',
        'INGRESS_CLASS_MISSING',
        `IngressClasses of the source missing in the target: ${missingIngress.map((c) => `${c.name} (${c.controller})`).join(', ')}`,
        'install the ingress controllers on the standby: Ingresses of a missing class are not served',
      ),
    );
  const lbs = s.ingress.loadBalancerServices;
  if (lbs.length > 0)
    out.push(
      finding(
        'info',
        'LOAD_BALANCER_ADDRESSES',
        `${lbs.length} LoadBalancer Service(s) in the source${lbs.some((l) => l.addresses.length) ? ` (addresses ${listSome(lbs.flatMap((l) => l.addresses))})` : ''} will get new addresses on the standby`,
        'after the restore, point DNS records at the new addresses (kubectl get svc -A | grep LoadBalancer)',
      ),
    );
  const tCrds = new Set(t.kubernetes.crds.map((c) => c.name));
  const missingCrds = s.kubernetes.crds.filter((c) => !tCrds.has(c.name));
  if (missingCrds.length > 0)
    out.push(
      finding(
        'info',
        'CRD_NOT_IN_TARGET',
        `${missingCrds.length} CRD(s) of the source are not in the target: ${listSome(missingCrds.map((c) => c.name))}`,
        'a restore brings the CRDs included in the backup; install the operators that own them so the custom resources are acted on',
      ),
    );
  return out;
}
