# cmake -DIN=<file> -DOUT=<file.c> -DNAME=<symbol> -P bin2c.cmake: write
# the octets of IN as a C source defining
#   const unsigned char NAME[];  const size_t NAME_len;
# (fuzz_dns_answer's zone database, built into the fuzzer). IN must not
# be empty.
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" n)
math(EXPR n "${n} / 2")
if(n EQUAL 0)
  message(FATAL_ERROR "bin2c: ${IN} is empty")
endif()
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
# 16 octets a line.
string(REPEAT "0x..," 16 line)
string(REGEX REPLACE "(${line})" "\\1\n" body "${body}")
file(WRITE ${OUT}
  "/* ${IN} as a C array, written by bin2c.cmake. */\n"
  "#include <stddef.h>\n"
  "const unsigned char ${NAME}[] = {\n${body}\n};\n"
  "const size_t ${NAME}_len = ${n};\n")
