"""A transcription of the project's SplitMix64 (Sources/Probes/SplitMix64.swift) for fixture
scripts that must reproduce a seeded Swift computation draw for draw (bootstrap intervals).

Same outputs as Swift for every seed: `next`, `index_below` (Lemire's multiply-shift with
rejection), `unit`, `permutation`, `derive`. Pure Python integers, masked to 64 bits.
"""

MASK = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def index_below(self, bound):
        assert bound > 0
        threshold = ((1 << 64) - bound) % bound
        while True:
            product = self.next() * bound
            if product & MASK >= threshold:
                return product >> 64

    def unit(self):
        return (self.next() >> 11) * 2.0 ** -53

    def permutation(self, count):
        order = list(range(count))
        for i in range(count - 1, 0, -1):
            j = self.index_below(i + 1)
            order[i], order[j] = order[j], order[i]
        return order


STREAMS = {"bootstrap": 1, "distance": 2, "linear_probe": 3, "effective_robustness": 4}


def derive_stream(base, stream):
    return SplitMix64(base ^ ((STREAMS[stream] * 0xD1B54A32D192ED03) & MASK)).next()


def derive_index(seed, index):
    return SplitMix64((seed + index * 0x9E3779B97F4A7C15) & MASK).next()


if __name__ == "__main__":
    # The check StatisticsTests makes on the Swift side.
    g = SplitMix64(1234567)
    assert g.next() == 6457827717110365317 and g.next() == 3203168211198807973
    print("ok")
