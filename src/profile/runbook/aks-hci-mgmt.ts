import type { ClusterProfile } from '../schema.ts';
import type { AksHciView, PsObject } from '../aks-hci/index.ts';
import { type Block, code, p, psCommand, val, type Param, type Step, type Val } from './doc.ts';

function cfg(o: PsObject | undefined, section: string, ...keys: string[]): Val {
  for (const k of keys) {
    const v = o?.str(k);
    if (v !== undefined) return val(v, `aks-hci-config ${section}.${k}`);
  }
  return val(undefined, `aks-hci-config ${section}.${keys[0]}`);
}

type AksHciConfig = AksHciView['config'];

/** Management cluster: network setting, config, registration, install (spec §1.5, §1.7, §1.13). */
export function managementSteps(profile: ClusterProfile, view: AksHciView): Step[] {
  return [uninstallStep(), networkStep(view.config), configurationStep(profile, view.config)];
}

function uninstallStep(): Step {
  return {
    title: 'Corruption case only: remove the old installation',
    blocks: [
      p(
        'If the management cluster is corrupt (not for new hardware), uninstall first. This removes AKS and all settings.',
      ),
      code('powershell', ['Uninstall-AksHci']),
      p(
        'On new hardware: cluster the hosts, configure storage, then run `Initialize-AksHciNode` on every node.',
      ),
    ],
  };
}

/** New-AksHciNetworkSetting from the attached config's Kva and Moc sections. */
function networkStep(c: AksHciConfig): Step {
  const note = c
    ? []
    : [
        p(
          `No aks-hci-config was attached to this backup: every management value below must be filled in from your records. Next time attach it: \`lifeboat backup create NAME --attach aks-hci-config=FILE\` with \`Get-AksHciConfig | ConvertTo-Json -Depth 10\`.`,
        ),
      ];
  const vnet: Param[] = [
    ['name', cfg(c?.kva, 'Kva', 'vnetname')],
    ['vswitchName', cfg(c?.kva, 'Kva', 'vswitchname')],
    ['k8sNodeIpPoolStart', cfg(c?.kva, 'Kva', 'k8snodeippoolstart')],
    ['k8sNodeIpPoolEnd', cfg(c?.kva, 'Kva', 'k8snodeippoolend')],
    ['vipPoolStart', cfg(c?.kva, 'Kva', 'vnetvippoolstart')],
    ['vipPoolEnd', cfg(c?.kva, 'Kva', 'vnetvippoolend')],
    ['ipAddressPrefix', cfg(c?.moc, 'Moc', 'ipaddressprefix')],
    ['gateway', cfg(c?.moc, 'Moc', 'gateway')],
    ['dnsServers', cfg(c?.moc, 'Moc', 'dnsservers')],
  ];
  const vlan = cfg(c?.kva, 'Kva', 'vlanid');
  if (vlan.value !== undefined && vlan.value !== '0') vnet.push(['vlanID', vlan]);
  return {
    title: 'Management cluster network',
    blocks: [
      ...note,
      ...psCommand('$vnet = ', 'New-AksHciNetworkSetting', vnet, {
        name: 'virtual network name (lower-case letters and digits)',
        vswitchName: 'external vSwitch of the new hosts (Get-VMSwitch)',
        k8sNodeIpPoolStart: 'first VM IP of the node pool range',
        dnsServers: 'DNS servers (1–3)',
      }),
    ],
  };
}

/** The proxy, Set-AksHciConfig, Set-AksHciRegistration (Azure Arc values from the cluster), Install-AksHci. */
function configurationStep(profile: ClusterProfile, c: AksHciConfig): Step {
  const config: Param[] = [
    ['imageDir', cfg(c?.kva, 'Kva', 'imageDir')],
    ['workingDir', cfg(c?.akshci, 'AksHci', 'workingDir')],
    ['cloudConfigLocation', cfg(c?.moc, 'Moc', 'cloudConfigLocation')],
    ['vnet', { literal: '$vnet' }],
  ];
  const optional: [string, Val][] = [
    ['cloudServiceCidr', cfg(c?.moc, 'Moc', 'cloudServiceCidr')],
    ['controlPlaneVmSize', cfg(c?.kva, 'Kva', 'controlplaneVmSize')],
    ['version', cfg(c?.akshci, 'AksHci', 'version')],
    ['nodeAgentPort', cfg(c?.moc, 'Moc', 'nodeAgentPort')],
    ['cloudAgentPort', cfg(c?.moc, 'Moc', 'cloudAgentPort')],
    ['catalog', cfg(c?.akshci, 'AksHci', 'catalog')],
    ['ring', cfg(c?.akshci, 'AksHci', 'ring')],
  ];
  for (const [name, v] of optional) if (v.value !== undefined) config.push([name, v]);
  // A proxy URL whose user-info was dropped before storing needs the credential asked for again.
  const proxyRedacted = profile.attachments.some(
    (a) => a.kind === 'aks-hci-config' && a.redacted.some((p) => /^AksHci\.proxyServer/i.test(p)),
  );
  const proxySteps = proxy(c?.akshci, proxyRedacted);
  if (proxySteps.length > 0) config.push(['proxySettings', { literal: '$proxy' }]);
  return {
    title: 'Management cluster configuration',
    blocks: [
      ...proxySteps,
      ...psCommand('', 'Set-AksHciConfig', config),
      ...registration(profile.arc ?? {}),
      code('powershell', ['Install-AksHci']),
    ],
  };
}
/** Set-AksHciRegistration: the subscription and resource group Azure Arc recorded in the cluster. */
function registration(arc: Record<string, string>): Block[] {
  return psCommand(
    '',
    'Set-AksHciRegistration',
    [
      [
        'subscriptionId',
        val(
          arc['AZURE_SUBSCRIPTION_ID'],
          'cluster: ConfigMap azure-arc/azure-clusterconfig AZURE_SUBSCRIPTION_ID',
        ),
      ],
      [
        'resourceGroupName',
        val(
          arc['AZURE_RESOURCE_GROUP'],
          'cluster: ConfigMap azure-arc/azure-clusterconfig AZURE_RESOURCE_GROUP',
        ),
      ],
    ],
    {
      subscriptionId: 'Azure subscription ID (Get-AksHciRegistration on the old install)',
      resourceGroupName: 'Azure resource group (Get-AksHciRegistration on the old install)',
    },
  );
}

function proxy(akshci: PsObject | undefined, credentialRedacted: boolean) {
  const http = akshci?.str('proxyServerHTTP');
  const https = akshci?.str('proxyServerHTTPS');
  if (!http && !https) return [];
  const params: Param[] = [
    ['name', val(undefined, 'proxy setting name')],
    ['http', val(http, 'aks-hci-config AksHci.proxyServerHTTP')],
    ['https', val(https, 'aks-hci-config AksHci.proxyServerHTTPS')],
    ['noProxy', val(akshci?.str('proxyServerNoProxy'), 'aks-hci-config AksHci.proxyServerNoProxy')],
  ];
  const blocks = [];
  if (credentialRedacted || akshci?.has('proxyServerUsername') || akshci?.has('proxyServerPassword'))
    params.push(['credential', { literal: '(Get-Credential)' }]);
  blocks.push(
    p('The proxy credentials were redacted before the profile was stored: `Get-Credential` asks for them.'),
  );
  return [...blocks, ...psCommand('$proxy = ', 'New-AksHciProxySetting', params)];
}
