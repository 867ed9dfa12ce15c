/** Fires the app's timer triggers on their NCRONTAB schedules, through the programming model. */
import type { CoreApi, Registration } from '../functions/core-api';
import { bindingName, invoke, type RpcData } from '../functions/invoke';
import { nextOccurrence, parseSchedule } from '../functions/ncrontab';
import type { Logger } from '../log';

export class Schedules {
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;

  constructor(
    private readonly api: CoreApi,
    private readonly clientBinding: () => Record<string, unknown>,
    private readonly log: Logger,
  ) {}

  start(): void {
    for (const reg of this.api.registrations.values()) {
      if (reg.trigger.type !== 'timerTrigger') continue;
      try {
        const schedule = parseSchedule(String(reg.trigger.schedule));
        this.plan(reg, schedule);
        if (reg.trigger.runOnStartup === true) void this.fire(reg, false);
      } catch (e) {
        this.log.error(`timer trigger ${reg.name}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
  }

  private plan(reg: Registration, schedule: ReturnType<typeof parseSchedule>): void {
    if (this.stopped) return;
    const next = nextOccurrence(schedule, new Date());
    const t = setTimeout(() => {
      void this.fire(reg, false).finally(() => this.plan(reg, schedule));
    }, Math.min(next.getTime() - Date.now(), 2 ** 31 - 1));
    this.timers.push(t);
  }

  private async fire(reg: Registration, isPastDue: boolean): Promise<void> {
    const inputs: Record<string, RpcData> = {
      [reg.trigger.name]: { json: JSON.stringify({ Schedule: { AdjustForDST: true }, ScheduleStatus: null, IsPastDue: isPastDue }) },
    };
    const client = bindingName(reg, 'durableClient') ?? bindingName(reg, 'orchestrationClient');
    if (client) inputs[client] = { string: JSON.stringify(this.clientBinding()) };
    const started = Date.now();
    const id = `${Date.now().toString(36)}`;
    this.log.executing(reg.name, 'Timer fired', id);
    try {
      await invoke(this.api, reg, inputs);
      this.log.executed(reg.name, 'Succeeded', id, Date.now() - started);
    } catch (e) {
      this.log.executed(reg.name, 'Failed', id, Date.now() - started);
      this.log.error(`Functions.${reg.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}
