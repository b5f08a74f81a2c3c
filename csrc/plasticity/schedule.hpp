// Design notes: a schedule is a factor over simulated time that multiplies a rule's learning rate (0 switches the
// rule off). It is lowered from Python (pyneuro/schedule.py) into sorted, non-overlapping segments in steps:
//   kind 0  constant      f(t) = a
//   kind 1  linear        f(t) = a + (b - a) (t - begin) / (end - begin)
//   kind 2  exponential   f(t) = b + (a - b) exp(-(t - begin) / c)      (c in steps)
// with `rest` outside every segment. at(t) is a pure function of the step, so any thread evaluates it without
// shared state; rules call it once per event (spike, sweep), never per synapse.
#pragma once
#include <algorithm>
#include <cmath>
#include <vector>

#include "../core/types.hpp"

namespace pyneuro {

class Schedule {
public:
    // Segment kinds (the Python layer reads these values from the binding)
    enum Kind : int { constant = 0, linear = 1, exponential = 2 };
    struct Segment {
        step_t begin, end;
        int kind;
        double a, b, c;
    };

    bool trivial() const { return seg_.empty() && rest_ == 1.0; }
    void set(std::vector<Segment> seg, double rest) {
        std::sort(seg.begin(), seg.end(), [](const Segment& x, const Segment& y) { return x.begin < y.begin; });
        for (std::size_t q = 0; q < seg.size(); ++q) {
            if (seg[q].end <= seg[q].begin) throw ArgumentError("schedule: empty segment");
            if (q > 0 && seg[q].begin < seg[q - 1].end) throw ArgumentError("schedule: overlapping segments");
            if (seg[q].kind != constant && seg[q].kind != linear && seg[q].kind != exponential)
                throw ArgumentError("schedule: unknown segment kind " + std::to_string(seg[q].kind));
            if (seg[q].kind == exponential && !(seg[q].c > 0.0)) throw ArgumentError("schedule: exponential needs tau > 0");
        }
        seg_ = std::move(seg);
        rest_ = rest;
    }
    double at(step_t t) const {
        if (seg_.empty()) return rest_;
        // last segment with begin <= t
        auto it = std::upper_bound(seg_.begin(), seg_.end(), t, [](step_t v, const Segment& s) { return v < s.begin; });
        if (it == seg_.begin()) return rest_;
        const Segment& s = *(it - 1);
        if (t >= s.end) return rest_;
        switch (s.kind) {
            case constant: return s.a;
            case linear: return s.a + (s.b - s.a) * static_cast<double>(t - s.begin) / static_cast<double>(s.end - s.begin);
            default: return s.b + (s.a - s.b) * std::exp(-static_cast<double>(t - s.begin) / s.c);
        }
    }

private:
    std::vector<Segment> seg_;
    double rest_ = 1.0;
};

}  // namespace pyneuro
