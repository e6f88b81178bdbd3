import { environment, formatEnvironment } from './env';
import { NetworkError } from './errors';
import { approveDefinition, commitDefinition, commitReadiness, describeReadiness, proposeDefinition } from './governance';
import { Logger, seconds } from './log';
import { addOrg, removeOrg } from './orgs';

export const CONSORTIUM_USAGE = `
  env ORG [--orderer NAME] [--identity admin|user]
                                              shell exports for Fabric's peer CLI as ORG's admin (studio1, Studio1MSP, …),
                                              or for osnadmin with ORG = orderer; use: eval "$(npm run -s network -- env studio1)"
  chaincode propose [--policy P]              propose the next definition sequence (policy and/or the chaincode as built now)
  chaincode approve --org ORG                 ORG's admin installs the proposed package on its peer and approves
  chaincode status                            who has approved the proposal (checkcommitreadiness) and who is missing
  chaincode commit                            commit it, only once a majority of the orgs approved
  org add --msp MSPID --role studio|licensor [--policy P] [--signers A,B]
                                              a new org joins the running channel (own keys, config update, peer, vote)
  org remove --msp MSPID [--policy P] [--signers A,B]
                                              an org that joined leaves the channel and the endorsement policy`;

export interface ConsortiumArgs {
  readonly positionals: readonly string[];
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
}

const text = (values: ConsortiumArgs['values'], name: string): string | undefined => {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
};

const list = (value: string | undefined): string[] | undefined =>
  value === undefined
    ? undefined
    : value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);

/** Runs an env, chaincode or org command; false when `command` is none of them. */
export async function consortiumCommand(command: string, args: ConsortiumArgs, log: Logger): Promise<boolean> {
  const [, sub] = args.positionals;
  const started = Date.now();
  switch (command) {
    case 'env': {
      if (!sub) throw new NetworkError('env needs an org: studio1, studio2, licensor, regulator, orderer, or an MSP ID');
      const identity = text(args.values, 'identity');
      if (identity !== undefined && identity !== 'admin' && identity !== 'user') throw new NetworkError('--identity must be admin or user');
      const orderer = text(args.values, 'orderer');
      console.log(formatEnvironment(await environment(sub, { ...(orderer ? { orderer } : {}), ...(identity ? { identity } : {}) })));
      return true;
    }
    case 'chaincode': {
      if (sub === 'propose') {
        const policy = text(args.values, 'policy');
        const p = await proposeDefinition({ log, ...(policy ? { policy } : {}) });
        console.log(
          `proposed sequence ${p.sequence}: ${p.endorsementPolicy}, package ${p.packageId.slice(0, 30)}…\nvoters: ${p.orgs.join(', ')}`,
        );
      } else if (sub === 'approve') {
        const org = text(args.values, 'org');
        if (!org) throw new NetworkError('chaincode approve needs --org ORG');
        await approveDefinition({ log, org });
        console.log(`${org} approved. ${describeReadiness(await commitReadiness({}))}`);
      } else if (sub === 'status') {
        const r = await commitReadiness({});
        console.log(describeReadiness(r));
        if (!r.ready) process.exitCode = 3;
      } else if (sub === 'commit') {
        const r = await commitDefinition({ log });
        console.log(`committed sequence ${r.sequence} (${r.endorsementPolicy}) in ${seconds(Date.now() - started)}`);
        if (r.missing.length > 0)
          console.log(`not approved by ${r.missing.join(', ')}: their peers run the chaincode again once they approve this sequence`);
      } else {
        throw new NetworkError('chaincode needs propose, approve, status or commit');
      }
      return true;
    }
    case 'org': {
      const msp = text(args.values, 'msp');
      if (!msp) throw new NetworkError(`org ${sub ?? ''} needs --msp MSPID`);
      const policy = text(args.values, 'policy');
      const signers = list(text(args.values, 'signers'));
      const common = { log, mspId: msp, ...(policy ? { policy } : {}), ...(signers ? { signers } : {}) };
      if (sub === 'add') {
        const role = text(args.values, 'role');
        if (role !== 'studio' && role !== 'licensor') throw new NetworkError('org add needs --role studio or --role licensor');
        const r = await addOrg({ ...common, role });
        console.log(`${r.member.mspId} joined: config update signed by ${r.signers.join(', ')}; endorsement policy ${r.endorsementPolicy}`);
        console.log(
          `its peer endorses ${seconds(r.timings.endorses)} after the start (material ${seconds(r.timings.material)}, ` +
            `channel update ${seconds(r.timings.channelUpdate)}, peer joined ${seconds(r.timings.peerJoined)}); gossip converged at ${seconds(r.timings.gossip)}`,
        );
        console.log('start its gateway: node gateway/dist/launch.js (starts only the gateways not yet running)');
      } else if (sub === 'remove') {
        const r = await removeOrg(common);
        console.log(`${msp} removed: config update signed by ${r.signers.join(', ')}; endorsement policy ${r.endorsementPolicy}`);
        console.log(`its processes are its own and keep running until it stops them (npm run network -- stop-node peer0.<name>)`);
      } else {
        throw new NetworkError('org needs add or remove');
      }
      return true;
    }
    default:
      return false;
  }
}
