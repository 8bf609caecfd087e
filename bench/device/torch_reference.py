#!/usr/bin/env python3
"""The PyTorch reference of the device benchmark (run by bench/device/run.sh).

Trains exactly what the library trains: softmax regression from zero W and b, the exchange folder's
data (X = byte / 255 in f32, or the bytes converted per batch) and its per-epoch row orders (the
library's own epochOrder, written by the Node side), mini-batches of batchSize rows with the last
partial batch used, W -= lr * Xb^T (softmax(Xb W + b) - Yb) / m, b -= lr * mean(softmax(...) - Yb),
and the cross-entropy of each batch summed on the device as the library does. Two ways: eager, and
one CUDA graph capturing a whole epoch (replayed once per epoch after the order is copied in).
Epochs are timed with CUDA events. Also measures device-to-device copy bandwidth (the floor's
denominator). Writes one JSON part file (bench/device/types.ts PartFile); the final losses are
float64 cross-entropies over all rows, the same judge the Node side uses.

read_exchange needs only the standard library, so the exchange format can be checked without torch.
"""
import argparse
import json
import os
import statistics
import sys
import time
from array import array

EXCHANGE_FILES = {'meta': 'meta.json', 'x': 'x.u8', 'y': 'y.u8', 'orders': 'orders.u32'}


def read_exchange(folder):
    """(meta, x bytes, y bytes, orders) from the exchange folder; orders is one array('I') per epoch."""
    with open(os.path.join(folder, EXCHANGE_FILES['meta'])) as f:
        meta = json.load(f)
    n, d, epochs = meta['n'], meta['d'], meta['epochs']

    def read(name, size):
        with open(os.path.join(folder, EXCHANGE_FILES[name]), 'rb') as f:
            data = f.read()
        if len(data) != size:
            raise ValueError(f'{name}: {len(data)} bytes, expected {size}')
        return data

    x = read('x', n * d)
    y = read('y', n)
    flat = array('I')
    flat.frombytes(read('orders', 4 * n * epochs))
    if sys.byteorder == 'big':
        flat.byteswap()  # the file is little-endian
    orders = [flat[e * n:(e + 1) * n] for e in range(epochs)]
    return meta, x, y, orders


def fallback_problem(quick):
    """Without the exchange (the Node side failed): same shapes and settings, torch-made data and orders."""
    n = 2000 if quick else 60000
    meta = {'n': n, 'd': 784, 'k': 10, 'dataSeed': 1, 'batchSize': 256, 'learningRate': 0.1,
            'warmupEpochs': 1, 'timedEpochs': 1 if quick else 3, 'shuffleSeed': 0, 'quick': quick}
    meta['epochs'] = meta['warmupEpochs'] + meta['timedEpochs']
    return meta


def median_of_timed(epochs_ms, warmup):
    timed = epochs_ms[warmup:]
    return statistics.median(timed) if timed else float('nan')


class Reference:
    def __init__(self, torch, dev, meta, xu8, y, orders):
        self.torch, self.dev, self.meta = torch, dev, meta
        self.n, self.d, self.k = meta['n'], meta['d'], meta['k']
        self.xu8 = xu8.to(dev)
        # Exactly the f32 X the Node side has: each byte / 255 in float64, rounded once to f32.
        self.xf = (xu8.double() / 255).float().to(dev)
        self.y = y.to(dev)
        self.y1h = torch.nn.functional.one_hot(self.y, self.k).float()
        self.orders = [o.to(dev) for o in orders]
        self.cuda = dev.type == 'cuda'

    def params(self):
        t = self.torch
        return t.zeros(self.d, self.k, device=self.dev), t.zeros(self.k, device=self.dev), t.zeros((), device=self.dev)

    def epoch_fn(self, x_form, W, b, loss_sum):
        """One epoch over the rows in `perm`, in place on W, b and loss_sum (capturable: no host syncs)."""
        t, B, lr, n = self.torch, self.meta['batchSize'], self.meta['learningRate'], self.n
        spans = [(s, min(B, n - s)) for s in range(0, n, B)]

        def epoch(perm):
            loss_sum.zero_()
            for s, m in spans:
                idx = perm[s:s + m]
                xb = self.xu8.index_select(0, idx).float().div_(255) if x_form == 'bytes' else self.xf.index_select(0, idx)
                z = t.addmm(b, xb, W)
                lse = t.logsumexp(z, dim=1)
                loss_sum.add_((lse - z.gather(1, self.y.index_select(0, idx)[:, None]).squeeze(1)).sum())
                g = t.exp(z - lse[:, None]) - self.y1h.index_select(0, idx)
                W.addmm_(xb.t(), g, alpha=-lr / m)
                b.add_(g.sum(0), alpha=-lr / m)
        return epoch

    def timer(self):
        """start(), stop() -> ms: CUDA events on the GPU, perf_counter on the CPU."""
        if self.cuda:
            s, e = self.torch.cuda.Event(enable_timing=True), self.torch.cuda.Event(enable_timing=True)

            def stop():
                e.record()
                e.synchronize()
                return s.elapsed_time(e)
            return s.record, stop
        box = {}
        return (lambda: box.__setitem__('t', time.perf_counter())), (lambda: 1000 * (time.perf_counter() - box['t']))

    def mean_ce(self, W, b):
        """Mean cross-entropy over all rows at (W, b), in float64: the judge every part uses."""
        z = self.xf.double() @ W.double() + b.double()
        return (self.torch.logsumexp(z, 1) - z.gather(1, self.y[:, None]).squeeze(1)).mean().item()

    def row(self, impl, x_form, epochs_ms, W, b, loss_sum, timing):
        return {
            'impl': impl, 'engine': None, 'x': x_form, 'epochsMs': epochs_ms,
            'msPerEpoch': median_of_timed(epochs_ms, self.meta['warmupEpochs']), 'timing': timing,
            'finalLoss': self.mean_ce(W, b), 'reportedLoss': loss_sum.item() / self.n,
            'params': W.flatten().tolist() + b.tolist(),
        }

    def eager(self, x_form):
        W, b, loss_sum = self.params()
        epoch = self.epoch_fn(x_form, W, b, loss_sum)
        start, stop = self.timer()
        epochs_ms = []
        for perm in self.orders:
            start()
            epoch(perm)
            epochs_ms.append(stop())
        how = 'CUDA events around the epoch' if self.cuda else 'perf_counter (CPU)'
        return self.row('torch-eager', x_form, epochs_ms, W, b, loss_sum, how)

    def graph(self, x_form):
        t = self.torch
        W, b, loss_sum = self.params()
        epoch = self.epoch_fn(x_form, W, b, loss_sum)
        perm = self.orders[0].clone()
        # Capture needs warmed-up kernels and allocator: one epoch on a side stream, then back to zeros.
        side = t.cuda.Stream()
        side.wait_stream(t.cuda.current_stream())
        with t.cuda.stream(side):
            epoch(perm)
        t.cuda.current_stream().wait_stream(side)
        W.zero_()
        b.zero_()
        g = t.cuda.CUDAGraph()
        with t.cuda.graph(g):
            epoch(perm)
        start, stop = self.timer()
        epochs_ms = []
        for order in self.orders:
            start()
            perm.copy_(order)
            g.replay()
            epochs_ms.append(stop())
        return self.row('torch-cuda-graph', x_form, epochs_ms, W, b, loss_sum, 'CUDA events around order copy + graph replay')


def copy_bandwidth(torch, dev, nbytes, reps):
    src = torch.ones(nbytes // 4, dtype=torch.float32, device=dev)
    dst = torch.empty_like(src)
    for _ in range(3):
        dst.copy_(src)
    if dev.type == 'cuda':
        torch.cuda.synchronize()
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record()
        for _ in range(reps):
            dst.copy_(src)
        e.record()
        e.synchronize()
        ms = s.elapsed_time(e)
        how = f'torch D2D copy, {reps}x {nbytes} bytes, CUDA events'
    else:
        t0 = time.perf_counter()
        for _ in range(reps):
            dst.copy_(src)
        ms = 1000 * (time.perf_counter() - t0)
        how = f'torch CPU copy, {reps}x {nbytes} bytes'
    return {'gbps': 2 * nbytes * reps / (ms * 1e6), 'bytes': nbytes, 'how': how}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--exchange', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--quick', action='store_true')
    ap.add_argument('--local', action='store_true')
    args = ap.parse_args()
    t0 = time.time()
    out = {'part': 'torch', 'durationS': 0, 'failures': [], 'rows': [], 'notes': []}

    def write():
        out['durationS'] = time.time() - t0
        with open(args.out, 'w') as f:
            json.dump(out, f)

    def attempt(what, fn):
        try:
            fn()
        except Exception as e:  # one failing piece must not stop the others
            print(f'!! torch: {what} FAILED: {type(e).__name__}: {e}', file=sys.stderr)
            out['failures'].append({'part': 'torch', 'what': what, 'error': f'{type(e).__name__}: {e}'})
        write()

    try:
        import torch
    except Exception as e:
        out['skipped'] = f'PyTorch is not importable here ({type(e).__name__}: {e})'
        write()
        print(f'torch: {out["skipped"]}', file=sys.stderr)
        return 0 if args.local else 1
    if torch.cuda.is_available():
        dev = torch.device('cuda')
    elif args.local:
        dev = torch.device('cpu')
        out['notes'].append('no CUDA here: eager on the CPU, no CUDA graph')
    else:
        out['skipped'] = 'torch.cuda.is_available() is False'
        write()
        return 1
    torch.backends.cuda.matmul.allow_tf32 = False  # f32 maths, as the library does
    info = {'version': torch.__version__, 'cuda': str(torch.version.cuda), 'device': str(dev)}
    if dev.type == 'cuda':
        p = torch.cuda.get_device_properties(0)
        info.update({'name': p.name, 'capability': f'{p.major}.{p.minor}', 'memoryGiB': round(p.total_memory / 2 ** 30, 1)})
    out['torch'] = info
    print(f'torch: {info}', file=sys.stderr)
    small = args.quick or dev.type != 'cuda'
    attempt('copy bandwidth', lambda: out.__setitem__('bandwidth', copy_bandwidth(torch, dev, (256 << 20) if small else (1 << 30), 20)))

    comparable = True
    try:
        meta, xb, yb, orders = read_exchange(args.exchange)
        xu8 = torch.frombuffer(bytearray(xb), dtype=torch.uint8).reshape(meta['n'], meta['d'])
        y = torch.frombuffer(bytearray(yb), dtype=torch.uint8).long()
        orders_t = [torch.tensor(o.tolist(), dtype=torch.long) for o in orders]
    except Exception as e:
        comparable = False
        meta = fallback_problem(args.quick)
        print(f'!! torch: no exchange data ({type(e).__name__}: {e}); training torch-made data instead', file=sys.stderr)
        out['failures'].append({'part': 'torch', 'what': 'read the exchange folder', 'error': f'{type(e).__name__}: {e}'})
        gen = torch.Generator().manual_seed(meta['dataSeed'])
        xu8 = torch.randint(0, 256, (meta['n'], meta['d']), generator=gen, dtype=torch.uint8)
        y = torch.randint(0, meta['k'], (meta['n'],), generator=gen)
        orders_t = [torch.randperm(meta['n'], generator=gen) for _ in range(meta['epochs'])]
    out['config'] = {k: meta[k] for k in ('n', 'd', 'k', 'dataSeed', 'batchSize', 'learningRate', 'warmupEpochs', 'timedEpochs', 'shuffleSeed', 'quick')}
    ref = Reference(torch, dev, meta, xu8, y, orders_t)

    def run(method, impl, x_form):
        r = method(x_form)
        if not comparable:
            r['comparable'] = False
            r['note'] = 'torch-made data and orders (the exchange folder was missing)'
        out['rows'].append(r)
        print(f"torch: {impl} X {x_form}: {r['msPerEpoch']:.3f} ms/epoch, loss {r['finalLoss']:.6f}", file=sys.stderr)

    for x_form in ('f32', 'bytes'):
        attempt(f'eager X {x_form}', lambda: run(ref.eager, 'torch-eager', x_form))
        if dev.type == 'cuda':
            attempt(f'CUDA graph X {x_form}', lambda: run(ref.graph, 'torch-cuda-graph', x_form))
    write()
    return 1 if out['failures'] else 0


if __name__ == '__main__':
    sys.exit(main())
