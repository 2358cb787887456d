#pragma once
// Signal equations per sequence family and gadolinium kinetics (Parker population AIF, extended Tofts
// per tissue, dual hepatic input, hepatocyte uptake for gadoxetate). Pure functions of the parameters.
#include <array>
#include <complex>
#include <string>
#include <vector>

#include "phantom.hpp"

namespace mpmri::synth {

enum class Family { Gre2D, Gre3D, Fse, SsFse, Stir, EpiDwi, Ssfp, Mrcp };
enum class FatSup { None, Spair, Spir, Stir, QuickFs, Dixon };

struct SeqParams {
  Family family = Family::Gre2D;
  double tr = 150, te = 4.6, ti = 0, flip = 70;  // ms, degrees
  double b = 0;                                   // s/mm2
  FatSup fatsup = FatSup::None;
  double fat_residual = 0;  // share of fat signal left by spectral suppression at the isocentre
  double t_inj = -1e9;      // seconds after injection; < 0: no contrast on board
  double water_scale = 1;   // < 1 only for a Dixon fat map
};

struct Kinetics {
  std::string agent;          // "" (none), gadoterate, gadobutrol, gadoxetate
  double r1_blood = 3.3;      // L/mmol/s at this field
  double r1_hepatocyte = 0;   // gadoxetate in hepatocytes
  double dose_scale = 1.0;    // relative to Parker's 0.1 mmol/kg
  double arrival_s = 16;      // seconds from injection to aortic arrival
  double hct = 0.42;
  double dt = 0.5;
  // Concentration curves (mM) per tissue on t = k * dt seconds after injection.
  std::array<std::vector<float>, kTissues> curve;
  std::vector<float> hepatocyte;  // gadoxetate taken up by hepatocytes (liver only)
  double conc(Tissue t, double t_inj) const;
  double hepato(double t_inj) const;
};

Kinetics make_kinetics(const std::string& agent, double field_t, double arrival_s, double dose_scale, double hct,
                       double duration_s = 1800);
// The Parker 2006 population AIF (whole blood, mM) at `t_min` minutes in its own time frame.
double parker_aif(double t_min);

// Complex signal per tissue for water and fat, so partial volumes mix like the scanner's complex sum.
struct SignalTable {
  std::array<std::complex<float>, kTissues> water{}, fat{};
  std::array<float, kTissues> texture{};
};
SignalTable signal_table(const Phantom& ph, const SeqParams& seq, const Kinetics& kin);

// Magnitude signal of one pure tissue (water and fat summed), used by the tests and the ROI checks.
double tissue_signal(const Phantom& ph, Tissue t, const SeqParams& seq, const Kinetics& kin);

// Six-peak fat model: complex sum of the peaks' phases at echo time te (ms) and field b0 (T).
std::complex<double> fat_phasor(double te_ms, double b0_t);

}  // namespace mpmri::synth
