#pragma once
// Small deterministic RNGs. std::mt19937 + std::normal_distribution is too slow for per-voxel noise on
// millions of voxels, and its distributions are not portable across standard libraries; these are.
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

namespace mpmri::synth {

inline std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Mixes several integers into one seed, so study i's seed depends on (seed, i) only.
inline std::uint64_t mix_seed(std::uint64_t a, std::uint64_t b, std::uint64_t c = 0) {
  std::uint64_t s = a * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull;
  std::uint64_t r = splitmix64(s) ^ (b + 0x7F4A7C15ull);
  r = splitmix64(r) ^ (c * 0xD1B54A32D192ED03ull);
  return splitmix64(r);
}

class Rng {
 public:
  explicit Rng(std::uint64_t seed) {
    for (auto& v : s_) v = splitmix64(seed);
  }
  std::uint64_t next() {  // xoshiro256**
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  double uniform() { return double(next() >> 11) * (1.0 / 9007199254740992.0); }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  int integer(int lo, int hi) { return lo + int(next() % std::uint64_t(hi - lo + 1)); }  // inclusive
  bool chance(double p) { return uniform() < p; }
  double normal() {
    double u1 = uniform(), u2 = uniform();
    if (u1 < 1e-300) u1 = 1e-300;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  double normal(double mean, double sd) { return mean + sd * normal(); }
  double clamp_normal(double mean, double sd, double lo, double hi) {
    double v = normal(mean, sd);
    return v < lo ? lo : (v > hi ? hi : v);
  }
  template <class T>
  const T& pick(const std::vector<T>& v) { return v[next() % v.size()]; }
  std::uint64_t fork() { return next() ^ 0xA5A5A5A5DEADBEEFull; }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::array<std::uint64_t, 4> s_{};
};

// Fast standard-normal deviates for image noise: a fixed table of exact Gaussian quantiles indexed by
// 16 random bits (four deviates per 64-bit draw). The table is large enough that no pattern is visible.
class FastGauss {
 public:
  explicit FastGauss(std::uint64_t seed);
  float next() {
    if (left_ == 0) {
      bits_ = rng_.next();
      left_ = 4;
    }
    float v = table()[bits_ & 0xFFFF];
    bits_ >>= 16;
    --left_;
    return v;
  }

 private:
  static const std::vector<float>& table();
  Rng rng_;
  std::uint64_t bits_ = 0;
  int left_ = 0;
};

}  // namespace mpmri::synth
