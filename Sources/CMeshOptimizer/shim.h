#if __has_include(<meshoptimizer.h>)
#include <meshoptimizer.h>
#else
#error "meshoptimizer headers not found: run scripts/bootstrap (apt-get install libmeshoptimizer-dev)"
#endif
