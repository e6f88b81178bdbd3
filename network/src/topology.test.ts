import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { channelTemplateValues, renderTemplate } from './bootstrap';
import { CONFIG_DIR } from './paths';
import { allPorts, buildTopology } from './topology';

describe('topology', () => {
  it('when built from a base port, then every port is distinct and derived from it', () => {
    for (const consensus of ['raft', 'bft'] as const) {
      const ports = allPorts(buildTopology(consensus, 20000)).map((p) => p.port);
      expect(new Set(ports).size).toBe(ports.length);
      expect(Math.min(...ports)).toBe(20000);
      expect(Math.max(...ports)).toBeLessThan(20300);
    }
    expect(buildTopology('raft', 20000).orderers).toHaveLength(3);
    expect(buildTopology('bft', 20000).orderers).toHaveLength(4);
  });

  it('when the base port is out of range, then it is refused', () => {
    expect(() => buildTopology('raft', 80)).toThrow(RangeError);
    expect(() => buildTopology('raft', 65400)).toThrow(RangeError);
  });
});

describe('channel template', () => {
  const template = readFileSync(path.join(CONFIG_DIR, 'configtx.yaml'), 'utf8');

  it('when rendered, then it is valid YAML whose consenters and anchor peers carry the topology ports', () => {
    const topology = buildTopology('bft', 23000);
    const doc = YAML.parse(renderTemplate(template, channelTemplateValues(topology, '/state'))) as {
      Profiles: Record<string, { Orderer: { EtcdRaft?: { Consenters: { Port: number }[] }; ConsenterMapping?: { Port: number }[] } }>;
      Organizations: { Name: string; AnchorPeers?: { Port: number }[] }[];
    };
    expect(doc.Profiles.KisekiRaft?.Orderer.EtcdRaft?.Consenters.map((c) => c.Port)).toEqual([23000, 23010, 23020]);
    expect(doc.Profiles.KisekiBFT?.Orderer.ConsenterMapping?.map((c) => c.Port)).toEqual([23000, 23010, 23020, 23030]);
    const anchors = doc.Organizations.filter((o) => o.AnchorPeers).map((o) => [o.Name, o.AnchorPeers?.[0]?.Port]);
    expect(anchors).toEqual([
      ['Studio1MSP', 23100],
      ['Studio2MSP', 23110],
      ['LicensorMSP', 23120],
      ['RegulatorMSP', 23130],
    ]);
  });

  it('when a placeholder has no value or a value has no placeholder, then rendering fails loudly', () => {
    expect(() => renderTemplate('a: ${MISSING}', {})).toThrow(/MISSING/);
    expect(() => renderTemplate('a: 1', { EXTRA: '2' })).toThrow(/EXTRA/);
  });
});
