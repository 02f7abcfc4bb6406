// The plan's subject boxes drawn over the canvas: drag a box to move it, drag its corner to resize it.
// Boxes are kept in image pixels (the plan's units); the stage shows them at `scale` screen pixels per image pixel.

const COLOURS = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#42d4f4', '#f032e6', '#9a6324', '#469990', '#808000'];

export function colour(i) {
  return COLOURS[i % COLOURS.length];
}

/**
 * @param layer   the element the boxes live in (absolutely positioned over the canvas)
 * @param onMove  (index, box, done) after each move or resize; done is true when the pointer is released
 * @param onPick  (index) when a box is clicked
 */
export function boxEditor(layer, { onMove, onPick }) {
  let plan = null;
  let scale = 1;

  function clampBox(b) {
    const w = Math.max(8, Math.min(b.w, plan.width));
    const h = Math.max(8, Math.min(b.h, plan.height));
    const x = Math.max(0, Math.min(b.x, plan.width - w));
    const y = Math.max(0, Math.min(b.y, plan.height - h));
    return { x: Math.round(x), y: Math.round(y), w: Math.round(w), h: Math.round(h) };
  }

  function place(el, box) {
    el.style.left = `${box.x * scale}px`;
    el.style.top = `${box.y * scale}px`;
    el.style.width = `${box.w * scale}px`;
    el.style.height = `${box.h * scale}px`;
  }

  function startDrag(event, i, el, resizing) {
    event.preventDefault();
    event.stopPropagation();
    onPick(i);
    layer.querySelectorAll('.box').forEach(other => other.classList.toggle('selected', other === el));
    const start = { ...plan.regions[i].box };
    const x0 = event.clientX;
    const y0 = event.clientY;
    el.setPointerCapture(event.pointerId);
    const move = e => {
      const dx = (e.clientX - x0) / scale;
      const dy = (e.clientY - y0) / scale;
      const moved = resizing
        ? clampBox({ x: start.x, y: start.y, w: Math.min(start.w + dx, plan.width - start.x), h: Math.min(start.h + dy, plan.height - start.y) })
        : clampBox({ x: start.x + dx, y: start.y + dy, w: start.w, h: start.h });
      place(el, moved);
      onMove(i, moved, false);
    };
    const up = e => {
      el.removeEventListener('pointermove', move);
      el.removeEventListener('pointerup', up);
      el.removeEventListener('pointercancel', up);
      move(e);
      onMove(i, { ...plan.regions[i].box }, true);
    };
    el.addEventListener('pointermove', move);
    el.addEventListener('pointerup', up);
    el.addEventListener('pointercancel', up);
  }

  /** Draws the plan's boxes; `invalid` holds the indexes of regions with a problem. */
  function draw(newPlan, newScale, selected, invalid) {
    plan = newPlan;
    scale = newScale;
    layer.replaceChildren();
    (plan?.regions ?? []).forEach((region, i) => {
      if (typeof region?.box !== 'object' || region.box === null) return; // half-typed JSON: shown once it is a box
      const el = document.createElement('div');
      el.className = 'box' + (i === selected ? ' selected' : '') + (invalid.has(i) ? ' invalid' : '');
      el.dataset.id = region.id;
      el.dataset.index = i;
      el.style.setProperty('--c', colour(i));
      const label = document.createElement('span');
      label.className = 'label';
      label.textContent = `${region.id} ${Object.values(region.attributes ?? {}).slice(0, 3).join(' ')}`;
      const handle = document.createElement('div');
      handle.className = 'handle';
      el.append(label, handle);
      const v = region.verification;
      if (v && typeof v === 'object') { // what --verify read back from the drawing: a mark on the box
        const mark = document.createElement('span');
        mark.className = 'mark ' + (v.verified ? 'verified' : 'wrong');
        mark.dataset.verified = String(!!v.verified);
        mark.textContent = v.verified ? '\u2713' : '\u2717';
        const read = Object.entries(v.read ?? {}).map(([k, value]) => `${k} ${value}`).join(', ');
        mark.title = `${v.verified ? 'verified' : 'drawn wrong'} by ${v.verifier}: read ${read || 'nothing'}; `
          + `${v.tries} ${v.tries === 1 ? 'try' : 'tries'}`;
        el.append(mark);
      }
      place(el, region.box);
      el.addEventListener('pointerdown', e => startDrag(e, i, el, e.target === handle));
      layer.append(el);
    });
  }

  return { draw };
}
