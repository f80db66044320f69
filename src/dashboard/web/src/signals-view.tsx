// Istio's Grafana service and workload dashboards: request rate, success rate, p50/p90/p99 latency and TCP
// bytes of one service or workload over the last 5, 15 or 60 minutes, as uPlot charts updated in place.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useEffect, useRef, useState } from 'preact/hooks';
import { usePoll, type Signals } from './api';

interface Chart { title: string; unit: string; series: Array<{ label: string; colour: string; pick: (s: Signals) => Array<number | null> }> }

const CHARTS: Chart[] = [
  { title: 'Request rate', unit: 'req/s', series: [{ label: 'requests/s', colour: '#0066cc', pick: (s) => s.rps }] },
  { title: 'Success rate', unit: '%', series: [{ label: 'non-5xx %', colour: '#3f9c35', pick: (s) => s.successRate.map((v) => (v === null ? null : v * 100)) }] },
  { title: 'Request duration', unit: 'ms', series: [
    { label: 'p50', colour: '#3f9c35', pick: (s) => s.p50 }, { label: 'p90', colour: '#ec7a08', pick: (s) => s.p90 },
    { label: 'p99', colour: '#cc0000', pick: (s) => s.p99 }] },
  { title: 'TCP bytes', unit: 'B/s', series: [
    { label: 'sent', colour: '#6a3d9a', pick: (s) => s.tcpSentBps }, { label: 'received', colour: '#1f78b4', pick: (s) => s.tcpReceivedBps }] },
];

function UChart({ chart, data }: { chart: Chart; data: Signals }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const aligned = (): uPlot.AlignedData => [data.times, ...chart.series.map((s) => s.pick(data))] as uPlot.AlignedData;
  useEffect(() => {
    plot.current = new uPlot({
      title: chart.title, width: 440, height: 200,
      series: [{}, ...chart.series.map((s) => ({ label: s.label, stroke: s.colour, width: 1.5, spanGaps: false }))],
      axes: [{}, { label: chart.unit, size: 56 }],
    }, aligned(), box.current!);
    return () => plot.current?.destroy();
  }, []);
  useEffect(() => { plot.current?.setData(aligned()); }, [data]);
  return <div class="chart" data-testid={`chart-${chart.title}`} ref={box} />;
}

export function SignalsView() {
  const { data: ents } = usePoll<{ services: string[]; workloads: string[] }>('api/entities', 10_000);
  const [pick, setPick] = useState('');
  const [direction, setDirection] = useState<'inbound' | 'outbound'>('inbound');
  const [minutes, setMinutes] = useState(5);
  const first = ents?.services[0] ? `service:${ents.services[0]}` : '';
  const chosen = pick || first;
  const [kind, full] = chosen ? chosen.split(':') as [string, string] : ['', ''];
  const dot = full.lastIndexOf('.');
  const path = chosen ? `api/signals?kind=${kind}&name=${encodeURIComponent(full.slice(0, dot))}&namespace=${encodeURIComponent(full.slice(dot + 1))}&direction=${direction}&minutes=${minutes}` : undefined;
  const { data, error } = usePoll<Signals>(path);
  return (
    <section class="view">
      <header class="toolbar">
        <h2>Golden signals</h2>
        <select data-testid="entity" value={chosen} onChange={(e) => setPick(e.currentTarget.value)}>
          <optgroup label="Services">{ents?.services.map((s) => <option value={`service:${s}`}>{s}</option>)}</optgroup>
          <optgroup label="Workloads">{ents?.workloads.map((s) => <option value={`workload:${s}`}>{s}</option>)}</optgroup>
        </select>
        <select value={direction} onChange={(e) => setDirection(e.currentTarget.value as 'inbound' | 'outbound')}>
          <option value="inbound">inbound (reported by the destination)</option>
          <option value="outbound">outbound (reported by the source)</option>
        </select>
        <select value={minutes} onChange={(e) => setMinutes(Number(e.currentTarget.value))}>
          {[5, 15, 60].map((m) => <option value={m}>last {m} min</option>)}
        </select>
        {error && <span class="error">{error}</span>}
      </header>
      {!chosen && <p class="empty">No requests seen yet.</p>}
      {data && <div class="charts">{CHARTS.map((c) => <UChart key={`${chosen}${direction}${minutes}${c.title}`} chart={c} data={data} />)}</div>}
    </section>
  );
}
