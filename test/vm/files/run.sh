#!/bin/sh
echo a file with mode 0755
