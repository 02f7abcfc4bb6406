// Troupe Studio's page: plan a request, edit the plan as boxes, panels or JSON (all kept in sync), render with
// live progress, compare results in the history strip.
import { api, fileUrl, parseJson, seedText, seedValue } from './api.js';
import { boxEditor, colour } from './boxes.js';

const $ = id => document.getElementById(id);
const state = { options: null, plan: null, selected: 0, scale: 1, errors: [], result: null, backdrop: null, source: null };
let validateTimer = 0;

const editor = boxEditor($('boxes'), {
  onMove(i, box, done) {
    state.plan.regions[i].box = box;
    planChanged('boxes', done);
  },
  onPick(i) {
    if (state.selected !== i) {
      state.selected = i;
      drawPanels();
    }
  },
});

// ---- one plan, three views ----------------------------------------------------------------------------------------

/** The plan changed in `from` ('server', 'boxes', 'panel', 'json'): redraw every other view, then check it. */
function planChanged(from, settled = true) {
  if (from !== 'json') {
    $('plan-json').value = JSON.stringify(state.plan, null, 2);
  }
  if (from !== 'boxes') {
    drawStage();
  }
  if (from !== 'panel') {
    drawPanels();
  } else {
    drawTabs();
  }
  $('render-btn').disabled = !state.plan;
  if (settled) {
    clearTimeout(validateTimer);
    validateTimer = setTimeout(validate, from === 'json' ? 300 : 0);
  }
}

async function validate() {
  if (!state.plan) return;
  const checked = JSON.stringify(state.plan);
  try {
    await api('POST', '/api/validate', { plan: state.plan });
    if (checked === JSON.stringify(state.plan)) showErrors([]);
  } catch (e) {
    if (checked === JSON.stringify(state.plan)) showErrors(e.errors.length ? e.errors : [{ field: '', message: e.message }]);
  }
}

function showErrors(errors) {
  state.errors = errors;
  document.querySelectorAll('[data-error]').forEach(el => (el.textContent = ''));
  const unplaced = [];
  for (const { field, message } of errors) {
    const el = document.querySelector(`[data-error="${CSS.escape(field)}"]`);
    if (el) el.textContent = message;
    unplaced.push(field ? `${field}: ${message}` : message);
  }
  $('plan-error').textContent = unplaced.join('\n');
  drawStage();
  drawTabs();
}

function invalidRegions() {
  const set = new Set();
  for (const { field } of state.errors) {
    const m = /^regions\[(\d+)]/.exec(field);
    if (m) set.add(Number(m[1]));
  }
  return set;
}

// ---- the canvas and its boxes -------------------------------------------------------------------------------------

function drawStage() {
  const canvas = $('canvas');
  const plan = state.plan;
  const width = plan?.width ?? 512;
  const height = plan?.height ?? 512;
  state.scale = Math.min(3, 640 / width, 560 / height);
  canvas.width = Math.round(width * state.scale);
  canvas.height = Math.round(height * state.scale);
  const g = canvas.getContext('2d');
  g.imageSmoothingEnabled = false;
  if (state.backdrop && state.backdrop.complete && state.backdrop.naturalWidth) {
    g.drawImage(state.backdrop, 0, 0, canvas.width, canvas.height);
  } else {
    g.fillStyle = '#d8d8de';
    g.fillRect(0, 0, canvas.width, canvas.height);
    g.strokeStyle = '#c4c4cc';
    for (let x = 0; x < width; x += 32) { g.beginPath(); g.moveTo(x * state.scale, 0); g.lineTo(x * state.scale, canvas.height); g.stroke(); }
    for (let y = 0; y < height; y += 32) { g.beginPath(); g.moveTo(0, y * state.scale); g.lineTo(canvas.width, y * state.scale); g.stroke(); }
  }
  editor.draw(plan, state.scale, state.selected, invalidRegions());
}

// ---- side panels --------------------------------------------------------------------------------------------------

function drawTabs() {
  const tabs = $('subject-tabs');
  tabs.replaceChildren();
  const invalid = invalidRegions();
  (state.plan?.regions ?? []).forEach((r, i) => {
    const b = document.createElement('button');
    b.textContent = r.id + (invalid.has(i) ? ' ⚠' : '');
    b.style.color = colour(i);
    b.className = i === state.selected ? 'selected' : '';
    b.onclick = () => { state.selected = i; drawPanels(); drawStage(); };
    tabs.append(b);
  });
}

function input(tag, value, field, onInput, attrs = {}) {
  const el = document.createElement(tag);
  Object.assign(el, attrs);
  el.value = value ?? '';
  el.dataset.field = field;
  el.addEventListener('input', () => onInput(el.value));
  return el;
}

function labelled(text, el, field) {
  const label = document.createElement('label');
  label.append(text + ' ', el);
  const error = document.createElement('div');
  error.className = 'field-error';
  error.dataset.error = field;
  const wrap = document.createElement('div');
  wrap.append(label, error);
  return wrap;
}

function drawPanels() {
  const plan = state.plan;
  $('model').value = plan?.model ?? '';
  $('background').value = plan?.background ?? '';
  $('negative').value = plan?.negativePrompt ?? '';
  $('plan-seed').value = plan ? seedText(plan.seed) : '';
  drawTabs();
  const panel = $('subject-panel');
  panel.replaceChildren();
  if (!plan || !plan.regions?.length) return;
  state.selected = Math.min(state.selected, plan.regions.length - 1);
  const i = state.selected;
  const r = plan.regions[i];
  if (typeof r !== 'object' || r === null || typeof r.box !== 'object' || r.box === null) return; // JSON being typed
  const at = `regions[${i}]`;
  const edit = fn => v => { fn(v); planChanged('panel'); };
  const top = document.createElement('div');
  top.className = 'field-error';
  top.dataset.error = at;
  panel.append(top);
  panel.append(labelled('prompt', input('textarea', r.prompt, `${at}.prompt`, edit(v => (r.prompt = v)), { rows: 3 }), `${at}.prompt`));
  panel.append(labelled('negative prompt', input('textarea', r.negativePrompt, `${at}.negativePrompt`,
    edit(v => (r.negativePrompt = v)), { rows: 2 }), `${at}.negativePrompt`));
  const attributes = Object.entries(r.attributes ?? {}).map(([k, v]) => `${k}: ${v}`).join('\n');
  panel.append(labelled('attributes (name: value per line)', input('textarea', attributes, `${at}.attributes`, edit(v => {
    r.attributes = Object.fromEntries(v.split('\n').map(l => l.split(':')).filter(p => p.length >= 2 && p[0].trim())
      .map(([k, ...rest]) => [k.trim(), rest.join(':').trim()]));
  }), { rows: 4 }), `${at}.attributes`));
  const box = document.createElement('div');
  for (const k of ['x', 'y', 'w', 'h']) {
    box.append(` ${k} `, input('input', r.box[k], `${at}.box.${k}`, edit(v => (r.box[k] = Number(v))), { type: 'number', style: 'width:4.5em' }));
  }
  panel.append(labelled('box', box, `${at}.box`));
  const seed = input('input', seedText(r.seed), `${at}.seed`, edit(v => (r.seed = seedValue(v))), { style: 'width:13em' });
  const reseed = document.createElement('button');
  reseed.id = 'reseed-btn';
  reseed.textContent = 'New seed & render this subject';
  reseed.title = 'Draws again with a new seed for this subject only; the others keep theirs';
  reseed.onclick = () => {
    r.seed = Math.floor(Math.random() * 2147483647);
    planChanged('server');
    render();
  };
  const seedRow = document.createElement('div');
  seedRow.append(seed, ' ', reseed);
  panel.append(labelled('seed', seedRow, `${at}.seed`));
  panel.append(labelled('weight', input('input', r.weight, `${at}.weight`, edit(v => (r.weight = Number(v))),
    { type: 'number', step: '0.1', min: '0', style: 'width:5em' }), `${at}.weight`));
  const loras = document.createElement('div');
  (r.loras ?? []).forEach((lora, k) => {
    const row = document.createElement('div');
    row.className = 'lora-row';
    const pick = input('select', '', `${at}.loras[${k}].file`, edit(v => (lora.file = v)));
    for (const name of new Set([lora.file, ...state.options.loras])) pick.append(new Option(name, name));
    pick.value = lora.file;
    const weight = input('input', lora.weight, `${at}.loras[${k}].weight`, edit(v => (lora.weight = Number(v))),
      { type: 'number', step: '0.1', style: 'width:5em' });
    const remove = document.createElement('button');
    remove.textContent = '×';
    remove.onclick = () => { r.loras.splice(k, 1); planChanged('server'); };
    const error = document.createElement('div');
    error.className = 'field-error';
    error.dataset.error = `${at}.loras[${k}].file`;
    row.append(pick, weight, remove);
    loras.append(row, error);
  });
  const add = document.createElement('button');
  add.textContent = '+ LoRA';
  add.disabled = !state.options.loras.length;
  add.title = state.options.loras.length ? '' : 'no LoRA in the studio\'s --loras folders';
  add.onclick = () => { r.loras = [...(r.loras ?? []), { file: state.options.loras[0], weight: 1.0 }]; planChanged('server'); };
  loras.append(add);
  panel.append(labelled('LoRAs', loras, `${at}.loras`));
  showErrorsInPlace();
}

function showErrorsInPlace() {
  for (const { field, message } of state.errors) {
    const el = document.querySelector(`[data-error="${CSS.escape(field)}"]`);
    if (el) el.textContent = message;
  }
}

// ---- rendering ----------------------------------------------------------------------------------------------------

async function render() {
  if (!state.plan) return;
  $('render-error').textContent = '';
  const number = id => ($(id).value === '' ? undefined : Number($(id).value));
  let job;
  try {
    job = await api('POST', '/api/renders', {
      plan: state.plan, steps: number('steps'), cfg: number('cfg'),
      sampler: $('sampler').value || undefined, mode: $('mode').value || undefined,
      verify: $('verify-toggle').checked || undefined,
    });
  } catch (e) {
    $('render-error').textContent = e.message;
    if (e.errors.some(x => x.field.startsWith('regions') || ['model', 'width', 'height', 'background'].includes(x.field))) {
      showErrors(e.errors);
    }
    return;
  }
  follow(job);
}

function follow(job) {
  $('cancel-btn').hidden = false;
  $('cancel-btn').onclick = () => api('DELETE', `/api/jobs/${job.id}`).catch(() => {});
  showProgress(job);
  const events = new EventSource(`/api/jobs/${job.id}/events`);
  events.addEventListener('progress', e => showProgress(JSON.parse(e.data)));
  for (const end of ['done', 'failed', 'cancelled']) {
    events.addEventListener(end, e => {
      events.close();
      $('cancel-btn').hidden = true;
      const finished = parseJson(e.data); // its plan's 64-bit seeds stay exact
      showProgress(finished);
      if (end === 'done') {
        if (finished.plan) { // the plan as written: with verify, the seeds kept and each subject's reading
          state.plan = finished.plan;
          planChanged('server');
        }
        showResult({ name: finished.name, image: finished.image, boxes: finished.boxes, planFile: finished.planFile });
        loadHistory();
      } else if (end === 'failed') {
        $('render-error').textContent = finished.error ?? 'the render failed';
      }
    });
  }
  events.onerror = () => { if (events.readyState === EventSource.CLOSED) $('cancel-btn').hidden = true; };
}

function showProgress(job) {
  const fraction = job.total ? job.done / job.total : 0;
  $('progress-fill').style.width = `${(fraction * 100).toFixed(1)}%`;
  let text;
  if (job.state === 'queued') text = `${job.name}: waiting for the model`;
  else if (job.state === 'running') text = `${job.name}: step ${job.step}/${job.steps} · ${job.region} · ${Math.round(fraction * 100)}%`
    + (job.etaSeconds != null ? ` · ETA ${job.etaSeconds.toFixed(1)} s` : '');
  else text = `${job.name}: ${job.state}` + (job.state === 'done' ? ` in ${job.elapsedSeconds.toFixed(1)} s` : '');
  $('progress-text').textContent = text;
  $('progress').dataset.state = job.state;
}

function showResult(result) {
  state.result = result;
  const image = new Image();
  image.id = 'result-image';
  image.onload = () => {
    state.backdrop = image;
    drawStage();
    $('stage').dataset.loaded = image.dataset.name;
  };
  image.dataset.name = $('overlay-toggle').checked ? result.boxes : result.image;
  image.src = fileUrl(image.dataset.name);
  $('download-png').href = fileUrl(result.image, true);
  $('download-plan').href = fileUrl(result.planFile, true);
  $('download-png').hidden = $('download-plan').hidden = false;
  document.querySelectorAll('#history img').forEach(img => img.classList.toggle('current', img.dataset.name === result.name));
}

async function loadHistory() {
  const renders = await api('GET', '/api/renders');
  const strip = $('history');
  strip.replaceChildren();
  for (const entry of renders) {
    const img = document.createElement('img');
    img.src = fileUrl(entry.image);
    img.title = entry.name;
    img.dataset.name = entry.name;
    img.className = entry.name === state.result?.name ? 'current' : '';
    img.onclick = () => {
      if (entry.plan) {
        state.plan = entry.plan;
        planChanged('server');
      }
      showResult(entry);
    };
    strip.append(img);
  }
}

// ---- start --------------------------------------------------------------------------------------------------------

async function start() {
  const options = await api('GET', '/api/options');
  state.options = options;
  const fill = (select, values) => values.forEach(v => select.append(new Option(v, v)));
  fill($('layout'), options.layouts);
  fill($('profile'), options.profiles);
  fill($('sampler'), options.samplers);
  fill($('mode'), options.modes);
  fill($('model'), options.models);
  $('planner').textContent = `planner: ${options.planner}`;

  $('plan-form').addEventListener('submit', async e => {
    e.preventDefault();
    $('request-error').textContent = '';
    const number = id => ($(id).value === '' ? undefined : Number($(id).value));
    try {
      const planned = await api('POST', '/api/plan', {
        request: $('request').value, seed: number('seed'), count: number('count'),
        layout: $('layout').value || undefined, size: $('size').value || undefined, profile: $('profile').value,
      });
      state.plan = planned.plan;
      state.selected = 0;
      state.backdrop = null;
      planChanged('server');
    } catch (err) {
      $('request-error').textContent = err.message;
    }
  });
  const scene = (id, key, convert = v => v) => $(id).addEventListener('input', () => {
    if (!state.plan) return;
    state.plan[key] = convert($(id).value);
    planChanged('panel');
  });
  scene('model', 'model');
  scene('background', 'background');
  scene('negative', 'negativePrompt');
  scene('plan-seed', 'seed', seedValue);
  $('plan-json').addEventListener('input', () => {
    let parsed;
    try {
      parsed = parseJson($('plan-json').value);
    } catch (err) {
      $('plan-error').textContent = `not valid JSON: ${err.message}`;
      return;
    }
    state.plan = parsed;
    planChanged('json');
  });
  $('render-btn').addEventListener('click', render);
  $('overlay-toggle').addEventListener('change', () => state.result && showResult(state.result));
  drawStage();
  await loadHistory();
  document.body.dataset.ready = 'true';
}

start().catch(e => { $('request-error').textContent = `the studio did not start: ${e.message}`; });
