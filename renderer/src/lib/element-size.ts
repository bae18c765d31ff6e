/**
 * Reports an element's client size now and whenever it changes (ResizeObserver where there is
 * one). Returns the function that stops observing: the return value of a Svelte `$effect`.
 */
export function observeSize(el: HTMLElement, onSize: (width: number, height: number) => void): () => void {
  const measure = () => onSize(el.clientWidth, el.clientHeight);
  measure();
  if (typeof ResizeObserver === 'undefined') return () => {};
  const ro = new ResizeObserver(measure);
  ro.observe(el);
  return () => ro.disconnect();
}
