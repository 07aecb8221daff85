# Start latency per variant, mean with standard deviation (ms).
# gnuplot -e "dat='start.dat'; out='start.png'" start.gp
# dat: variant<TAB>mean_ms<TAB>stddev_ms<TAB>colour (0 other tool, 1 boxlab)
set terminal pngcairo size 1100,520 font "sans,10"
set output out
set termoption noenhanced
set title "Start latency of a container running /bin/true (mean ± σ, log scale)"
set ylabel "ms"
set style fill solid 0.7 border -1
set boxwidth 0.7
set grid ytics
set xtics rotate by -45 scale 0 nomirror
set logscale y
set yrange [1:*]
set offsets 0.6, 0.6, 0, 0
set key off
set datafile separator "\t"
plot dat using 0:2:3:($4 == 0 ? 0x888888 : 0x3366cc):xtic(1) with boxerrorbars lc rgb variable
