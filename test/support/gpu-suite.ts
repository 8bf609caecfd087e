// A uvu suite with a headless-Chrome harness page opened before its tests and closed after.
import { suite, type Test } from 'uvu';
import { openGpuPage, type GpuPage } from './gpu-page.ts';

export function gpuSuite(name: string): { test: Test; gpu: () => GpuPage } {
  const test = suite(name);
  let page: GpuPage | null = null;
  test.before(async () => {
    page = await openGpuPage();
  });
  test.after(async () => {
    await page?.close();
    page = null;
  });
  return {
    test,
    gpu: () => {
      if (page === null) throw new Error('the harness page is not open');
      return page;
    },
  };
}
