// Validation of the Kubernetes kinds Strait reads beyond their schema (Service ports); metadata
// checks common to every kind live in validate-object.ts, the shapes in schema/kubernetes.ts.
import { Findings } from './field-error.js';
import { asArr, asObj, checkPort, isDns1123Label, type Obj } from './common.js';

/** Service. */
export function validateService(spec: Obj, f: Findings): void {
  const names = new Set<string>();
  const ports = asArr(spec['ports']);
  ports.forEach((p, i) => {
    const po = asObj(p) ?? {};
    const e = checkPort(po['port']);
    if (e) f.error(`spec.ports[${i}].port`, e);
    const name = po['name'];
    if (ports.length > 1 && (typeof name !== 'string' || name === '')) f.error(`spec.ports[${i}].name`, 'Required value');
    if (typeof name === 'string' && name !== '') {
      if (!isDns1123Label(name)) f.error(`spec.ports[${i}].name`, `Invalid value: "${name}": must be a DNS-1123 label`);
      if (names.has(name)) f.error(`spec.ports[${i}].name`, `Duplicate value: "${name}"`);
      names.add(name);
    }
    if (typeof po['targetPort'] === 'number') {
      const t = checkPort(po['targetPort']);
      if (t) f.error(`spec.ports[${i}].targetPort`, t);
    }
  });
}
