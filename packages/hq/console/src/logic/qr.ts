import { create } from 'qrcode';

/**
 * The QR code's modules as a boolean matrix (true: dark), drawn by the page as SVG rectangles: the
 * CSP refuses data: images, so no toDataURL.
 */
export function qrMatrix(text: string): boolean[][] {
  const code = create(text, { errorCorrectionLevel: 'M' });
  const size = code.modules.size;
  const rows: boolean[][] = [];
  for (let row = 0; row < size; row += 1) {
    const cells: boolean[] = [];
    for (let col = 0; col < size; col += 1) cells.push(Boolean(code.modules.get(row, col)));
    rows.push(cells);
  }
  return rows;
}

/** One rectangle per horizontal run of dark modules (fewer elements than one per module). */
export function qrRuns(matrix: readonly (readonly boolean[])[]): { x: number; y: number; width: number }[] {
  const runs: { x: number; y: number; width: number }[] = [];
  matrix.forEach((cells, y) => {
    let start = -1;
    cells.forEach((dark, x) => {
      if (dark && start < 0) start = x;
      if (!dark && start >= 0) {
        runs.push({ x: start, y, width: x - start });
        start = -1;
      }
    });
    if (start >= 0) runs.push({ x: start, y, width: cells.length - start });
  });
  return runs;
}
