// Package grf draws Gaussian random fields, the random initial conditions
// and coefficients of surrogo's datasets, with the laws of the FNO data
// generators (Li et al., 2021, data_generation/ in the
// fourier_neural_operator repository) that made the benchmark data.
//
// # Periodic fields
//
// On the torus [0, 1)^d the operator (-Laplacian + tau^2)^-alpha has the
// eigenfunctions e^{2 pi i k.x}, k in Z^d, with eigenvalues
//
//	lambda_k = (4 pi^2 |k|^2 + tau^2)^-alpha.
//
// A field on the n^d grid x_j = j / n is
//
//	u(x_j) = Re sum_k c_k (xi_k + i eta_k) e^{2 pi i k.j / n},   xi, eta ~ N(0, 1),
//
// over the n^d grid modes k (FFT order, components in (-n/2, n/2]), with
// c_0 = 0, evaluated with one inverse FFT. The real part pairs the draws of
// k and -k, so the discrete Fourier coefficient U_k = sum_j u(x_j)
// e^{-2 pi i k.j / n} has mean 0 and E|U_k|^2 = n^(2d) c_k^2. The Law
// fixes c_k:
//
//   - GRF1: c_k^2 = 2^m sigma^2 lambda_k, m the number of components with
//     |k_a| = n/2. The field is N(0, sigma^2 (-Laplacian + tau^2)^-alpha),
//     i.e. every Fourier coefficient of the continuous field has
//     E|u_k|^2 = sigma^2 lambda_k, truncated to |k_a| <= n/2 (the 2^m
//     wavenumbers +-n/2 alias to one grid mode). In 1D this is FNO's
//     GRF1.m with N = n/2, which made the Burgers data: it sums
//     a_k cos 2 pi k x + b_k sin 2 pi k x over k = 1..N with a_k, b_k ~
//     N(0, 2 sigma^2 lambda_k) (its sqrt(2) sigma lambda_k^(1/2) randn,
//     halved into the coefficients of e^{+-2 pi i k x}, which then have
//     E|u_k|^2 = sigma^2 lambda_k). The FNO paper's Burgers law
//     N(0, 625 (-Laplacian + 25 I)^-2) is GRF1 with sigma 25, tau 5, alpha 2.
//   - GaussianRF2020: c_k^2 = 2 sigma^2 lambda_k, covariance
//     2 sigma^2 (-Laplacian + tau^2)^-alpha on the grid modes (each counted
//     once). This is GaussianRF of FNO's random_fields.py as it made the
//     Navier-Stokes data (committed 2020-10-22): coefficients
//     n^d sqrt(2) sigma lambda_k^(1/2) times two standard normals per mode,
//     torch.ifft, real part kept; ns_2d.py calls it with alpha 2.5, tau 7
//     and the default sigma = tau^(alpha - d/2) = 7^1.5. (Since 2022-06-08
//     random_fields.py draws torch.randn complex numbers, whose real and
//     imaginary parts have variance 1/2: half this covariance. The FNO
//     paper writes the law as N(0, 7^1.5 (-Laplacian + 49 I)^-2.5).)
//
// Sigma defaults to tau^(alpha - d/2), GaussianRF's default, under both
// laws. The laws differ by a factor sqrt(2) in amplitude: the same
// (seed, i) under GaussianRF2020 is sqrt(2) times the GRF1 field, except
// at Nyquist modes.
//
// # Neumann fields
//
// On the unit square with zero Neumann boundary conditions
// -Laplacian + tau^2 has the eigenfunctions cos(pi k1 x) cos(pi k2 y),
// k in N^2, with eigenvalues pi^2 |k|^2 + tau^2. The MATLAB GRF.m of the FNO Darcy generator draws
//
//	u = idct2(L),  L_k = n c_k xi_k,  c_k = tau^(alpha-1) (pi^2 |k|^2 + tau^2)^(-alpha/2),
//
// k = (k1, k2) in {0..n-1}^2, c_0 = 0, with the orthonormal DCT: the
// Karhunen-Loeve expansion of N(0, tau^(2 alpha - 2) (-Laplacian +
// tau^2)^-alpha) without its constant mode, at the cell centres
// ((j + 1/2) / n) of the eigenfunctions (the Darcy solver, as FNO, places
// them on its nodes j / (n - 1)). With alpha 2, tau 3 that is
// 9 (-Laplacian + 9)^-2 (the FNO paper writes (-Laplacian + 9 I)^-2 and
// GRF.m's header (-Laplacian + tau^2)^-alpha; demo.m states the factor).
// The constant does not matter for Darcy: Threshold keeps only the sign,
// giving a piecewise-constant coefficient (12 where u >= 0, 3 or 4
// elsewhere).
//
// # Reproducibility
//
// Sample i depends only on (seed, i): shards generated apart are identical
// to one large run. The normal draws are assigned to wavenumbers in an
// order that does not depend on the grid (by max-norm shell, then
// lexicographically), so sample i on a finer grid is the same random
// function with more (tiny) high modes: the coarse field is its band-limited
// version, which is what zero-shot super-resolution tests need.
package grf
