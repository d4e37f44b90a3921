#pragma once
// The `problem` section of an MNIST deck: data, model, and the training protocol of paper
// 000's study (Sec. 5: 96 batches per epoch, L2 1.6e-5, summed gradients, bias 1.0).
#include <string>
#include <vector>

namespace dynaopt {

struct MnistSpec {
  std::string train_images, train_labels, test_images, test_labels;
  std::vector<int> hidden;       // MLP hidden widths; empty: logistic regression 784 -> 10
  long validation = 10000;       // stratified hold-out from the training set
  long train_limit = 0;          // use only the first N training images (0: all)
  long batches_per_epoch = 0;    // exactly one of these two is set
  long batch_size = 0;
  long epochs = 10;
  double l2 = 0;                 // penalty (l2/2)|W|^2 on weights, added once per batch
  double bias_init = 0;
  bool mean_gradient = false;    // gradient of the batch mean instead of the batch sum
  long seed = 1;
};

}  // namespace dynaopt
